from django.contrib import admin

from accounts.models import Account, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "realm", "id", "is_reseller", "is_master", "enabled", "created")
    list_filter = ("is_reseller", "is_master", "enabled")
    search_fields = ("name", "realm", "id")
    readonly_fields = ("id", "path", "api_key_salt", "api_key_hash", "created", "modified")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "first_name", "last_name", "email", "priv_level", "account")
    list_filter = ("priv_level", "enabled")
    search_fields = ("username", "email", "first_name", "last_name", "id")
    readonly_fields = ("id", "md5_auth", "sha1_auth", "created", "modified")
    raw_id_fields = ("account",)
