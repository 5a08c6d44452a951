from django.urls import path

from accounts.api import views

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
]
