from django.urls import path

from accounts.api import startup, views

urlpatterns = [
    path("api_auth", views.ApiAuthView.as_view()),
    path("user_auth", views.UserAuthView.as_view()),
    path("token_auth", views.TokenAuthView.as_view()),
    path("auth/tokeninfo", views.TokenInfoView.as_view()),
    path("accounts", views.AccountCreateView.as_view()),
    path("accounts/<str:account_id>", views.AccountView.as_view()),
    path("accounts/<str:account_id>/children", views.AccountChildrenView.as_view()),
    path("accounts/<str:account_id>/descendants", views.AccountDescendantsView.as_view()),
    path("accounts/<str:account_id>/reseller", views.ResellerView.as_view()),
    path("accounts/<str:account_id>/api_key", views.ApiKeyView.as_view()),
    path("accounts/<str:account_id>/users", views.UsersView.as_view()),
    path("accounts/<str:account_id>/users/<str:user_id>", views.UserView.as_view()),
    # What Monster reads at start-up (accounts/api/startup.py).
    path("accounts/<str:account_id>/apps_store", startup.AppsStoreView.as_view()),
    path("accounts/<str:account_id>/apps_store/<str:app_id>", startup.AppView.as_view()),
    path("accounts/<str:account_id>/external_numbers", startup.ExternalNumbersView.as_view()),
    path("accounts/<str:account_id>/whitelabel", startup.AccountWhitelabelView.as_view()),
    path("whitelabel/<str:domain>", startup.DomainWhitelabelView.as_view()),
]
