// Security keys (WebAuthn) for Baomi: calls navigator.credentials.create/get with the options
// the server made, converting between base64url (JSON) and ArrayBuffer (the browser API).
// Buttons: <button data-webauthn="register|authenticate" data-begin=URL data-finish=URL>, and
// <button data-webauthn="sign" data-begin=URL> inside an approval's decision form.
(function () {
  "use strict";

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    b64 += "===".slice((b64.length + 3) % 4);
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body || {})
    });
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function descriptors(list) {
    return (list || []).map(function (d) { return Object.assign({}, d, {id: toBuffer(d.id)}); });
  }

  async function register(button) {
    var options = await post(button.dataset.begin);
    options.challenge = toBuffer(options.challenge);
    options.user.id = toBuffer(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    var credential = await navigator.credentials.create({publicKey: options});
    var response = credential.response;
    var nameField = document.getElementById(button.dataset.nameField || "");
    return post(button.dataset.finish, {
      name: nameField ? nameField.value : "",
      credential: asJSON(credential, {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : []
      })
    });
  }

  // A PublicKeyCredential as the server reads it, with its response's fields already encoded.
  function asJSON(credential, response) {
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response
    };
  }

  // navigator.credentials.get() with the server's options; the assertion as the server reads it.
  async function assertion(options) {
    options.challenge = toBuffer(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    var credential = await navigator.credentials.get({publicKey: options});
    var response = credential.response;
    return asJSON(credential, {
      clientDataJSON: toText(response.clientDataJSON),
      authenticatorData: toText(response.authenticatorData),
      signature: toText(response.signature),
      userHandle: response.userHandle ? toText(response.userHandle) : undefined
    });
  }

  async function authenticate(button) {
    var options = await post(button.dataset.begin);
    return post(button.dataset.finish, {credential: await assertion(options)});
  }

  // Signing a decision: the challenge commits to what the form says, so it is asked for only
  // now; the signature goes back in the form's hidden fields with the decision itself.
  async function sign(button) {
    var form = button.form;
    var decision = form.querySelector("input[name=decision]:checked");
    var comment = form.querySelector("[name=comment]");
    var begun = await post(button.dataset.begin, {
      decision: decision ? decision.value : "", comment: comment ? comment.value : ""
    });
    form.querySelector("[name=key_credential]").value = JSON.stringify(await assertion(begun.options));
    form.querySelector("[name=key_token]").value = begun.token;
    form.submit();
    return null;
  }

  function explain(error, button) {
    // The browser's own errors are in English; say what they mean for the person.
    if (error && error.name === "NotAllowedError") return button.dataset.msgCancelled;
    if (error && error.name === "InvalidStateError") return button.dataset.msgRegistered;
    if (error && error.name === "SecurityError") return button.dataset.msgInsecure;
    return (error && error.message) || String(error);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-webauthn]").forEach(function (button) {
      var status = document.getElementById(button.dataset.status || "");
      if (!window.PublicKeyCredential) {
        button.disabled = true;
        if (status) { status.textContent = button.dataset.msgUnsupported; status.hidden = false; }
        return;
      }
      button.addEventListener("click", async function (event) {
        event.preventDefault();
        if (status) status.hidden = true;
        button.disabled = true;
        try {
          var mode = button.dataset.webauthn;
          var ceremony = mode === "register" ? register : mode === "sign" ? sign : authenticate;
          var result = await ceremony(button);
          if (result) window.location.assign(result.redirect || "/");
        } catch (error) {
          if (status) { status.textContent = explain(error, button); status.hidden = false; }
          button.disabled = false;
        }
      });
    });
  });
})();
