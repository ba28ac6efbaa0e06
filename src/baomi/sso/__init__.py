"""Single sign-on (issue 8): LDAP / Active Directory and OpenID Connect logins.

The directory or identity provider only vouches for who someone is. The login maps to an
existing Baomi account; roles, clearance and unit stay Baomi's own, and the second factor,
the lockout and the audit trail apply as for a password login. See docs/sso.md.
"""
