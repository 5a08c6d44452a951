from django.contrib import admin

from accounts.models import Account, AuthToken, User
from accounts.services import revoke_subtree


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "realm", "id", "is_reseller", "is_master", "enabled", "created")
    list_filter = ("is_reseller", "is_master", "enabled")
    search_fields = ("name", "realm", "id")
    readonly_fields = ("id", "path", "api_key_salt", "api_key_hash", "created", "modified")

    def save_model(self, request, obj: Account, form, change: bool) -> None:
        """Disabling here revokes the subtree's tokens, exactly as the API does."""
        super().save_model(request, obj, form, change)
        if change and "enabled" in form.changed_data and not obj.enabled:
            revoke_subtree(obj)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "first_name", "last_name", "email", "priv_level", "account")
    list_filter = ("priv_level", "enabled")
    search_fields = ("username", "email", "first_name", "last_name", "id")
    readonly_fields = ("id", "md5_auth", "sha1_auth", "created", "modified")
    raw_id_fields = ("account",)

    def save_model(self, request, obj: User, form, change: bool) -> None:
        """Disabling here revokes the user's tokens, exactly as the API does."""
        if change and "enabled" in form.changed_data and not obj.enabled:
            obj.auth_epoch += 1
        super().save_model(request, obj, form, change)
        AuthToken.objects.filter(user=obj).exclude(user_epoch=obj.auth_epoch).delete()
