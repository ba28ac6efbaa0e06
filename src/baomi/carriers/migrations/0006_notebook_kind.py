from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("carriers", "0005_list_indexes")]

    operations = [
        migrations.AlterField(
            model_name="carrier",
            name="kind",
            field=models.CharField(
                choices=[("paper", "纸质文件"), ("electronic", "电子文件"), ("disc", "光盘"), ("usb", "U盘/移动硬盘"),
                         ("hard_disk", "硬盘"), ("notebook", "保密本"), ("other", "其他")],
                default="paper", max_length=12, verbose_name="载体类型"),
        ),
    ]
