"""Kazoo authentication, account and user endpoints."""

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.api.serializers import (
    ACCOUNT_RESPONSE,
    ACCOUNT_SCHEMA,
    ACCOUNT_SUMMARY_RESPONSE,
    API_AUTH_SCHEMA,
    API_KEY_RESPONSE,
    DELETED_USER_RESPONSE,
    LOGIN_RESPONSE,
    TOKEN_RESPONSE,
    TOKENINFO_RESPONSE,
    TOKENINFO_SCHEMA,
    USER_AUTH_SCHEMA,
    USER_RESPONSE,
    USER_SCHEMA,
    USER_SUMMARY_RESPONSE,
    account_data,
    account_summary,
    user_data,
    user_summary,
)
from accounts.authentication import raw_token
from accounts.models import Account, AuthToken, User
from accounts.permissions import AccountScopedView, KazooView
from accounts.tenancy import descendants, reseller_of
from config.errors import KazooError, ValidationFailed, bad_identifier, forbidden
from config.openapi import EMPTY_OBJECT, PAGINATION_PARAMETERS, array_of, kazoo_operation, partial
from config.pagination import paginate
from config.requests import payload
from config.throttling import AuthRateThrottle, LoginRateThrottle
from config.validation import validate
from notifications.addresses import clean_user_contacts


def login_data(token: AuthToken, owner: bool) -> dict:
    """What Monster keeps from a login or a tokeninfo answer (``_afterSuccessfulAuth``)."""
    account = token.account
    reseller = reseller_of(account)
    data = {
        "account_id": account.id,
        "account_name": account.name,
        "reseller_id": reseller.id,
        "is_reseller": account.is_reseller,
        "is_master_account": account.is_master,
        "language": account.language,
        "apps": [],
        "expires": int(token.expires.timestamp()),
    }
    if owner:
        data["owner_id"] = token.user_id
    return data


def login_response(token: AuthToken, raw: str, owner: bool) -> Response:
    response = Response(login_data(token, owner), status=201)
    response.envelope = {"auth_token": raw}
    return response


class ApiAuthView(KazooView):
    authentication_classes = []
    throttle_classes = [AuthRateThrottle]

    @kazoo_operation(
        "Log in with an account's API key",
        description="Answers a new token, also in the envelope's `auth_token`.",
        request=API_AUTH_SCHEMA,
        response=LOGIN_RESPONSE,
        status=201,
    )
    def put(self, request: Request) -> Response:
        data = payload(request)
        validate(API_AUTH_SCHEMA, data)
        token, raw = services.login_with_api_key(data["api_key"])
        return login_response(token, raw, owner=False)


class UserAuthView(KazooView):
    authentication_classes = []
    throttle_classes = [AuthRateThrottle, LoginRateThrottle]

    @kazoo_operation(
        "Log in as a user",
        description='`credentials` is md5("username:password") (sha1 with `"method": "sha"`).',
        request=USER_AUTH_SCHEMA,
        response=LOGIN_RESPONSE,
        status=201,
    )
    def put(self, request: Request) -> Response:
        data = payload(request)
        validate(USER_AUTH_SCHEMA, data)
        try:
            token, raw = services.login_with_credentials(data)
        except ValidationFailed as exc:
            if not _names_unknown_account(exc):
                raise
            # An unknown account answers like a wrong password: no account enumeration.
            raise _invalid_credentials() from None
        return login_response(token, raw, owner=True)


def _invalid_credentials() -> KazooError:
    return KazooError(401, "invalid_credentials", {"message": "invalid credentials"})


def _names_unknown_account(exc: ValidationFailed) -> bool:
    return any("not_found" in rules for rules in exc.data.values())


class TokenAuthView(KazooView):
    @kazoo_operation("Describe the caller's token", response=TOKEN_RESPONSE)
    def get(self, request: Request) -> Response:
        principal = self.require_principal()
        token = principal.token
        return Response(
            {
                "account_id": token.account_id,
                "owner_id": token.user_id,
                "method": token.method,
                "expires": int(token.expires.timestamp()),
            }
        )

    @kazoo_operation("Revoke the caller's token", response=EMPTY_OBJECT)
    def delete(self, request: Request) -> Response:
        principal = self.require_principal()
        AuthToken.objects.filter(pk=principal.token.pk).delete()
        return Response({})


class TokenInfoView(KazooView):
    """``/v2/auth/tokeninfo``: validate a token and answer its claims, as Kazoo does.

    Monster POSTs ``{"data": {"token": …}}`` without ``X-Auth-Token`` when it resumes a
    session from its cookie (``auth.postTokenInfo`` in the SDK); GET takes ``?token=`` or
    the caller's own token. A revoked, expired or foreign token is a 401.
    """

    authentication_classes = []
    throttle_classes = [AuthRateThrottle]

    @kazoo_operation("Validate a token (`?token=` or X-Auth-Token)", response=TOKENINFO_RESPONSE)
    def get(self, request: Request) -> Response:
        return self._info(request.query_params.get("token") or raw_token(request))

    @kazoo_operation("Validate a token", request=TOKENINFO_SCHEMA, response=TOKENINFO_RESPONSE)
    def post(self, request: Request) -> Response:
        data = payload(request)
        validate(TOKENINFO_SCHEMA, data)
        return self._info(data["token"])

    def _info(self, raw: str | None) -> Response:
        found = services.current_token(raw) if raw else None
        if found is None:
            raise AuthenticationFailed()
        token, claims = found
        return Response({**claims, **login_data(token, owner=token.user_id is not None)})


class AccountCreateView(KazooView):
    """``PUT /v2/accounts``: a child of the caller's own account."""

    @kazoo_operation(
        "Create a child of the caller's account",
        request=ACCOUNT_SCHEMA,
        response=ACCOUNT_RESPONSE,
        status=201,
    )
    def put(self, request: Request) -> Response:
        principal = self.require_principal()
        if not principal.can_write:
            raise forbidden()
        return _create_child(principal.account, request)


def _create_child(parent: Account, request: Request) -> Response:
    data = payload(request)
    validate(ACCOUNT_SCHEMA, data)
    account = services.create_account(parent, data)
    return Response(account_data(account, reseller_of(account)), status=201)


class AccountView(AccountScopedView):
    @kazoo_operation("Read an account", response=ACCOUNT_RESPONSE)
    def get(self, request: Request, account_id: str) -> Response:
        return Response(account_data(self.account, reseller_of(self.account)))

    @kazoo_operation(
        "Create a child account", request=ACCOUNT_SCHEMA, response=ACCOUNT_RESPONSE, status=201
    )
    def put(self, request: Request, account_id: str) -> Response:
        return _create_child(self.account, request)

    @kazoo_operation(
        "Update an account",
        description="Fields not sent keep their values.",
        request=partial(ACCOUNT_SCHEMA),
        response=ACCOUNT_RESPONSE,
    )
    def post(self, request: Request, account_id: str) -> Response:
        data = {**account_data(self.account), **payload(request)}
        editable = {k: v for k, v in data.items() if k in ACCOUNT_SCHEMA["properties"]}
        validate(ACCOUNT_SCHEMA, editable)
        account = services.update_account(self.account, editable)
        return Response(account_data(account, reseller_of(account)))


class AccountChildrenView(AccountScopedView):
    @kazoo_operation(
        "List an account's direct children",
        response=array_of(ACCOUNT_SUMMARY_RESPONSE),
        parameters=PAGINATION_PARAMETERS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        queryset = Account.objects.filter(parent=self.account)
        rows, envelope = paginate(request, queryset, ("id",), lambda a: [a.id])
        response = Response([account_summary(a) for a in rows])
        response.envelope = envelope
        return response


class AccountDescendantsView(AccountScopedView):
    @kazoo_operation(
        "List all of an account's descendants",
        response=array_of(ACCOUNT_SUMMARY_RESPONSE),
        parameters=PAGINATION_PARAMETERS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        rows, envelope = paginate(request, descendants(self.account), ("id",), lambda a: [a.id])
        response = Response([account_summary(a) for a in rows])
        response.envelope = envelope
        return response


class ResellerView(AccountScopedView):
    """Marking resellers changes the tree's billing and branding: superduper only."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if not self.principal.is_superduper:
            raise forbidden()

    @kazoo_operation(
        "Make an account a reseller (superduper only)", response=ACCOUNT_RESPONSE, status=201
    )
    def put(self, request: Request, account_id: str) -> Response:
        account = services.set_reseller(self.account, True)
        return Response(account_data(account, reseller_of(account)), status=201)

    @kazoo_operation(
        "Make a reseller an ordinary account (superduper only)", response=ACCOUNT_RESPONSE
    )
    def delete(self, request: Request, account_id: str) -> Response:
        account = services.set_reseller(self.account, False)
        return Response(account_data(account, reseller_of(account)))


class ApiKeyView(AccountScopedView):
    """The key is a credential: reading it needs the same rights as writing."""

    def is_write(self, request: Request) -> bool:
        return True

    @kazoo_operation("Read an account's API key (write rights needed)", response=API_KEY_RESPONSE)
    def get(self, request: Request, account_id: str) -> Response:
        return Response({"api_key": self.account.api_key})


class UsersView(AccountScopedView):
    @kazoo_operation(
        "List an account's users",
        response=array_of(USER_SUMMARY_RESPONSE),
        parameters=PAGINATION_PARAMETERS,
    )
    def get(self, request: Request, account_id: str) -> Response:
        queryset = User.objects.filter(account=self.account)
        rows, envelope = paginate(request, queryset, ("id",), lambda u: [u.id])
        response = Response([user_summary(u) for u in rows])
        response.envelope = envelope
        return response

    @kazoo_operation("Create a user", request=USER_SCHEMA, response=USER_RESPONSE, status=201)
    def put(self, request: Request, account_id: str) -> Response:
        data = payload(request)
        validate(USER_SCHEMA, data)
        data = clean_user_contacts(data)
        user = services.save_user(self.account, data)
        return Response(user_data(user), status=201)


class UserView(AccountScopedView):
    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.target = User.objects.filter(account=self.account, pk=kwargs["user_id"]).first()
        if self.target is None:
            raise bad_identifier(kwargs["user_id"])

    @kazoo_operation("Read a user", response=USER_RESPONSE)
    def get(self, request: Request, account_id: str, user_id: str) -> Response:
        return Response(user_data(self.target))

    @kazoo_operation(
        "Update a user",
        description=(
            "Fields not sent keep their values; a new username needs the password. "
            "`contacts`, when sent, replaces the whole object."
        ),
        request=partial(USER_SCHEMA),
        response=USER_RESPONSE,
    )
    def post(self, request: Request, account_id: str, user_id: str) -> Response:
        data = {**user_data(self.target), **payload(request)}
        data = {k: v for k, v in data.items() if k in USER_SCHEMA["properties"]}
        if not data.get("username"):
            data.pop("username", None)
        if not data.get("email"):
            data.pop("email", None)
        validate(USER_SCHEMA, data)
        data = clean_user_contacts(data)
        user = services.save_user(self.account, data, self.target)
        return Response(user_data(user))

    @kazoo_operation("Delete a user", response=DELETED_USER_RESPONSE)
    def delete(self, request: Request, account_id: str, user_id: str) -> Response:
        data = user_data(self.target)
        self.target.delete()
        return Response({**data, "_read_only": {"deleted": True}})
