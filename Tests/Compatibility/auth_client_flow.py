"""Drives the official Supabase Python client (supabase-py) through the Auth email/password flows.

Usage: python auth_client_flow.py <API URL> <anon key> <service_role key>

Every check goes through the client's own request building and response parsing, so a passing
run proves the client accepts what the server sends. One line per check, then a summary line
`N passed, M failed`; the exit status is 0 only when every check passed.
"""

import base64
import hashlib
import hmac
import json
import struct
import sys
import time
import uuid

from supabase import create_client
from supabase_auth.errors import AuthApiError, AuthError, AuthWeakPasswordError

import flow_checks

PASSWORD = "correct-horse-battery"


def describe(error):
    if isinstance(error, AuthError):
        status = getattr(error, "status", None)
        return f"{type(error).__name__}(status={status}, code={error.code!r}, message={error.message!r})"
    return f"{type(error).__name__}: {error}"


def expect_api_error(call, code, status=None):
    """Runs `call`, which must raise an AuthApiError (or subclass) with this code (and status)."""
    try:
        result = call()
    except AuthError as error:
        assert isinstance(error, (AuthApiError, AuthWeakPasswordError)), (
            f"expected an AuthApiError with code {code!r}, got {describe(error)}"
        )
        assert error.code == code, f"expected code {code!r}, got {describe(error)}"
        if status is not None:
            assert error.status == status, f"expected status {status}, got {describe(error)}"
        return error
    shown = repr(result)
    shown = shown if len(shown) <= 300 else shown[:300] + "…"
    raise AssertionError(f"expected an AuthApiError with code {code!r}, but the call returned {shown}")


def unique_email(label):
    return flow_checks.unique_email("py", label)


def decode_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def assert_session(session, email, label):
    assert session is not None, f"{label}: no session in the response"
    assert session.access_token, f"{label}: empty access_token"
    assert session.refresh_token, f"{label}: empty refresh_token"
    assert session.token_type == "bearer", f"{label}: token_type {session.token_type!r}"
    assert isinstance(session.expires_in, int) and session.expires_in > 0, (
        f"{label}: expires_in {session.expires_in!r}"
    )
    assert isinstance(session.expires_at, int) and session.expires_at > time.time(), (
        f"{label}: expires_at {session.expires_at!r}"
    )
    assert session.user is not None, f"{label}: session without user"
    assert session.user.email == email, f"{label}: user email {session.user.email!r}, expected {email!r}"


checks = flow_checks.Checks(describe=describe)
check = checks.run


def main():
    if len(sys.argv) != 4:
        print("usage: auth_client_flow.py <API URL> <anon key> <service_role key>", file=sys.stderr)
        return 2
    url, anon_key, service_key = sys.argv[1:4]
    state = {}

    # -- Client set-up (checklist 3) -------------------------------------------------------------

    def clients():
        state["anon"] = create_client(url, anon_key)
        state["admin"] = create_client(url, service_key).auth.admin
        # Admin calls through a client holding only the anon key (never signed in).
        state["anon_admin"] = create_client(url, anon_key).auth.admin

    check("create_client accepts the anon and service_role keys", clients)
    if "anon" not in state:
        checks.summary()
        return 1
    supabase = state["anon"]
    admin = state["admin"]
    anon_admin = state["anon_admin"]

    email = unique_email("user")

    # -- Sign-up (checklist 5, 6) ----------------------------------------------------------------

    def sign_up():
        response = supabase.auth.sign_up({"email": email, "password": PASSWORD})
        assert_session(response.session, email, "sign_up")
        user = response.user
        assert user is not None, "sign_up: no user"
        assert user.aud == "authenticated", f"aud {user.aud!r}"
        assert user.role == "authenticated", f"role {user.role!r}"
        assert user.app_metadata.get("provider") == "email", f"app_metadata {user.app_metadata!r}"
        assert user.app_metadata.get("providers") == ["email"], f"app_metadata {user.app_metadata!r}"
        assert user.user_metadata == {}, f"user_metadata {user.user_metadata!r}"
        assert user.created_at is not None, "created_at missing"
        assert user.email_confirmed_at is not None, "email_confirmed_at missing (autoconfirm)"
        identities = user.identities or []
        assert len(identities) == 1, f"expected one identity, got {identities!r}"
        identity = identities[0]
        assert identity.provider == "email", f"identity provider {identity.provider!r}"
        assert identity.user_id == user.id, f"identity user_id {identity.user_id!r} != {user.id!r}"
        assert identity.identity_data.get("email") == email, f"identity_data {identity.identity_data!r}"
        assert identity.identity_data.get("sub") == user.id, f"identity_data {identity.identity_data!r}"
        # The client keeps the session it was given.
        assert supabase.auth.get_session() is not None, "client holds no session after sign_up"
        state["user"] = user
        state["session"] = response.session

    check("sign_up returns a session and a user with one email identity", sign_up)

    check(
        "sign_up with a registered email raises user_already_exists",
        lambda: expect_api_error(
            lambda: supabase.auth.sign_up({"email": email.upper(), "password": PASSWORD}),
            "user_already_exists",
            422,
        ),
    )

    def weak_password():
        error = expect_api_error(
            lambda: supabase.auth.sign_up({"email": unique_email("weak"), "password": "12345"}),
            "weak_password",
            422,
        )
        assert isinstance(error, AuthWeakPasswordError), f"expected AuthWeakPasswordError, got {describe(error)}"
        assert error.reasons == ["length"], f"reasons {error.reasons!r}"

    check("sign_up with a 5-character password raises weak_password (reasons ['length'])", weak_password)

    # -- Password sign-in (checklist 7) ----------------------------------------------------------

    def sign_in():
        response = supabase.auth.sign_in_with_password({"email": email, "password": PASSWORD})
        assert_session(response.session, email, "sign_in_with_password")
        assert response.user is not None and response.user.id == state["user"].id, "signed-in user differs"
        assert response.user.last_sign_in_at is not None, "last_sign_in_at missing after sign-in"
        state["session"] = response.session

    check("sign_in_with_password with the right password returns a session", sign_in)

    def wrong_password():
        error = expect_api_error(
            lambda: supabase.auth.sign_in_with_password({"email": email, "password": "wrong-password"}),
            "invalid_credentials",
            400,
        )
        assert error.message == "Invalid login credentials", f"message {error.message!r}"

    check("sign_in_with_password with a wrong password raises invalid_credentials", wrong_password)

    check(
        "sign_in_with_password with an unknown email raises invalid_credentials",
        lambda: expect_api_error(
            lambda: supabase.auth.sign_in_with_password(
                {"email": unique_email("nobody"), "password": PASSWORD}
            ),
            "invalid_credentials",
            400,
        ),
    )

    # -- User and claims (checklist 9, 10) -------------------------------------------------------

    def get_user():
        response = supabase.auth.get_user()
        assert response is not None and response.user is not None, "get_user returned no user"
        assert response.user.id == state["user"].id, f"get_user id {response.user.id!r}"
        assert response.user.email == email, f"get_user email {response.user.email!r}"
        response = supabase.auth.get_user(state["session"].access_token)
        assert response is not None and response.user.id == state["user"].id, "get_user(jwt) differs"

    check("get_user returns the signed-in user", get_user)

    def get_claims():
        response = supabase.auth.get_claims()
        assert response is not None, "get_claims returned None"
        claims = response["claims"]
        assert response["headers"].get("alg") == "HS256", f"header {response['headers']!r}"
        # The client's own decoding must agree with the raw payload.
        assert claims == decode_claims(state["session"].access_token), "get_claims differs from the token"
        user = state["user"]
        assert claims.get("sub") == user.id, f"sub {claims.get('sub')!r}"
        assert claims.get("aud") == "authenticated", f"aud {claims.get('aud')!r}"
        assert claims.get("role") == "authenticated", f"role {claims.get('role')!r}"
        assert claims.get("email") == email, f"email {claims.get('email')!r}"
        for name in ("exp", "iat"):
            assert type(claims.get(name)) is int, f"{name} {claims.get(name)!r} is not an int"
        assert claims["exp"] - claims["iat"] >= 300, f"lifetime {claims['exp'] - claims['iat']}"
        assert isinstance(claims.get("session_id"), str) and claims["session_id"], "session_id missing"
        assert claims.get("app_metadata", {}).get("provider") == "email", f"app_metadata {claims.get('app_metadata')!r}"
        assert isinstance(claims.get("user_metadata"), dict), f"user_metadata {claims.get('user_metadata')!r}"
        assert claims.get("aal") == "aal1", f"aal {claims.get('aal')!r}"
        amr = claims.get("amr")
        assert isinstance(amr, list) and amr, f"amr {amr!r}"
        assert amr[0].get("method") == "password" and type(amr[0].get("timestamp")) is int, f"amr {amr!r}"
        assert claims.get("is_anonymous") is False, f"is_anonymous {claims.get('is_anonymous')!r}"

    check("get_claims returns the expected access-token claims", get_claims)

    def bad_token():
        expect_api_error(lambda: supabase.auth.get_user("not-a-jwt"), "bad_jwt", 403)
        expect_api_error(lambda: supabase.auth.get_user(anon_key), "bad_jwt", 403)

    check("get_user with a garbage token or the anon key raises bad_jwt", bad_token)

    # -- Update user (checklist 11) --------------------------------------------------------------

    def update_merge():
        response = supabase.auth.update_user({"data": {"a": 1, "b": "two"}})
        assert response.user.user_metadata == {"a": 1, "b": "two"}, f"user_metadata {response.user.user_metadata!r}"
        response = supabase.auth.update_user({"data": {"c": True}})
        assert response.user.user_metadata == {"a": 1, "b": "two", "c": True}, (
            f"not merged: {response.user.user_metadata!r}"
        )

    check("update_user merges data into user_metadata", update_merge)

    def update_remove():
        response = supabase.auth.update_user({"data": {"a": None}})
        assert response.user.user_metadata == {"b": "two", "c": True}, (
            f"null did not remove the key: {response.user.user_metadata!r}"
        )
        fetched = supabase.auth.get_user()
        assert fetched.user.user_metadata == {"b": "two", "c": True}, f"stored {fetched.user.user_metadata!r}"

    check("update_user with a null value removes the key", update_remove)

    check(
        "update_user with the same password raises same_password",
        lambda: expect_api_error(lambda: supabase.auth.update_user({"password": PASSWORD}), "same_password", 422),
    )

    # -- Refresh (checklist 12) ------------------------------------------------------------------

    def refresh():
        before = supabase.auth.get_session()
        assert before is not None, "no session before refresh"
        response = supabase.auth.refresh_session()
        assert_session(response.session, email, "refresh_session")
        after = response.session
        assert after.refresh_token != before.refresh_token, "refresh token was not rotated"
        assert after.access_token != before.access_token, "access token was not renewed"
        assert decode_claims(after.access_token)["session_id"] == decode_claims(before.access_token)["session_id"], (
            "refresh changed the session_id"
        )
        assert after.user.user_metadata == {"b": "two", "c": True}, f"user_metadata {after.user.user_metadata!r}"
        # The new access token carries the updated metadata.
        assert decode_claims(after.access_token)["user_metadata"] == {"b": "two", "c": True}, "claims not updated"
        assert supabase.auth.get_session().refresh_token == after.refresh_token, "client kept the old session"
        state["session"] = after

    check("refresh_session returns new access and refresh tokens", refresh)

    check(
        "refresh_session with an unknown refresh token raises refresh_token_not_found",
        lambda: expect_api_error(
            lambda: supabase.auth.refresh_session("unknown-token-" + uuid.uuid4().hex),
            "refresh_token_not_found",
            400,
        ),
    )

    # -- Password recovery (checklist 15) --------------------------------------------------------

    check("reset_password_for_email succeeds for a known email",
          lambda: supabase.auth.reset_password_for_email(email))
    check("reset_password_for_email succeeds for an unknown email",
          lambda: supabase.auth.reset_password_for_email(unique_email("unknown")))

    # -- Sign-out (checklist 14) -----------------------------------------------------------------

    def sign_out():
        old = supabase.auth.get_session()
        assert old is not None, "no session before sign_out"
        supabase.auth.sign_out()
        assert supabase.auth.get_session() is None, "client still holds a session after sign_out"
        expect_api_error(lambda: supabase.auth.get_user(old.access_token), "session_not_found", 403)
        expect_api_error(lambda: supabase.auth.refresh_session(old.refresh_token), "refresh_token_not_found", 400)

    check("sign_out ends the session: get_user and refresh with the old tokens fail", sign_out)

    def sign_in_again():
        response = supabase.auth.sign_in_with_password({"email": email, "password": PASSWORD})
        assert_session(response.session, email, "sign-in after sign_out")

    check("sign_in_with_password works again after sign_out", sign_in_again)

    # -- Admin with the service_role key (checklist 17) ------------------------------------------

    admin_email = unique_email("admin")

    def admin_create():
        response = admin.create_user({
            "email": admin_email,
            "password": PASSWORD,
            "email_confirm": True,
            "user_metadata": {"name": "Ada"},
            "app_metadata": {"plan": "pro"},
        })
        user = response.user
        assert user.email == admin_email, f"email {user.email!r}"
        assert user.email_confirmed_at is not None, "email_confirmed_at missing with email_confirm"
        assert user.user_metadata == {"name": "Ada"}, f"user_metadata {user.user_metadata!r}"
        assert user.app_metadata.get("provider") == "email", f"app_metadata {user.app_metadata!r}"
        assert user.app_metadata.get("plan") == "pro", f"app_metadata {user.app_metadata!r}"
        state["admin_user"] = user

    check("admin.create_user with email_confirm returns a confirmed user", admin_create)

    check(
        "admin.create_user with a registered email raises email_exists",
        lambda: expect_api_error(
            lambda: admin.create_user({"email": admin_email, "password": PASSWORD, "email_confirm": True}),
            "email_exists",
            422,
        ),
    )

    def admin_sign_in():
        fresh = create_client(url, anon_key)
        response = fresh.auth.sign_in_with_password({"email": admin_email, "password": PASSWORD})
        assert_session(response.session, admin_email, "sign-in as the admin-created user")

    check("a user created by admin.create_user can sign in", admin_sign_in)

    def admin_list():
        users = admin.list_users()
        ids = [user.id for user in users]
        assert state["admin_user"].id in ids, "list_users() misses the created user"
        assert state["user"].id in ids, "list_users() misses the signed-up user"
        page = admin.list_users(page=1, per_page=1)
        assert len(page) == 1, f"per_page=1 returned {len(page)} users"
        second = admin.list_users(page=2, per_page=1)
        assert len(second) == 1 and second[0].id != page[0].id, "page 2 repeats page 1"

    check("admin.list_users lists users, with page and per_page", admin_list)

    def admin_get():
        response = admin.get_user_by_id(state["admin_user"].id)
        assert response.user.id == state["admin_user"].id, f"id {response.user.id!r}"
        assert response.user.email == admin_email, f"email {response.user.email!r}"

    check("admin.get_user_by_id returns the user", admin_get)

    def admin_update():
        response = admin.update_user_by_id(state["admin_user"].id, {
            "user_metadata": {"city": "Paris"},
            "app_metadata": {"plan": "team"},
        })
        user = response.user
        assert user.user_metadata == {"name": "Ada", "city": "Paris"}, f"user_metadata {user.user_metadata!r}"
        assert user.app_metadata.get("plan") == "team", f"app_metadata {user.app_metadata!r}"
        assert user.app_metadata.get("provider") == "email", f"app_metadata {user.app_metadata!r}"
        fetched = admin.get_user_by_id(state["admin_user"].id).user
        assert fetched.user_metadata == {"name": "Ada", "city": "Paris"}, f"stored {fetched.user_metadata!r}"

    check("admin.update_user_by_id merges metadata", admin_update)

    def admin_delete():
        admin.delete_user(state["admin_user"].id)
        expect_api_error(lambda: admin.get_user_by_id(state["admin_user"].id), "user_not_found", 404)
        expect_api_error(
            lambda: supabase.auth.sign_in_with_password({"email": admin_email, "password": PASSWORD}),
            "invalid_credentials",
            400,
        )

    check("admin.delete_user deletes the user", admin_delete)

    unknown_id = str(uuid.uuid4())
    check("admin.get_user_by_id with an unknown id raises user_not_found",
          lambda: expect_api_error(lambda: admin.get_user_by_id(unknown_id), "user_not_found", 404))
    check("admin.update_user_by_id with an unknown id raises user_not_found",
          lambda: expect_api_error(
              lambda: admin.update_user_by_id(unknown_id, {"user_metadata": {"x": 1}}), "user_not_found", 404))
    check("admin.delete_user with an unknown id raises user_not_found",
          lambda: expect_api_error(lambda: admin.delete_user(unknown_id), "user_not_found", 404))

    # -- Passwordless email, invitations and generated links -----------------------------------

    otp_email = unique_email("otp")

    def sign_in_with_otp_creates_user():
        response = supabase.auth.sign_in_with_otp({"email": otp_email, "options": {"data": {"name": "Otto"}}})
        assert response.user is None and response.session is None, f"sign_in_with_otp answered {response!r}"
        link = admin.generate_link({"type": "magiclink", "email": otp_email})
        assert link.user.email == otp_email, f"generate_link user {link.user.email!r}"
        assert link.user.user_metadata.get("name") == "Otto", f"user_metadata {link.user.user_metadata!r}"
        properties = link.properties
        assert properties.verification_type == "magiclink", f"verification_type {properties.verification_type!r}"
        assert len(properties.email_otp) == 6 and properties.email_otp.isdigit(), f"email_otp {properties.email_otp!r}"
        assert properties.hashed_token in properties.action_link, f"action_link {properties.action_link!r}"
        state["otp"] = properties.email_otp

    check("sign_in_with_otp creates the user; admin.generate_link answers its code and link", sign_in_with_otp_creates_user)

    def verify_otp_with_code():
        response = supabase.auth.verify_otp({"email": otp_email, "token": state["otp"], "type": "email"})
        assert_session(response.session, otp_email, "verify_otp")
        assert response.user.email_confirmed_at is not None, "the address is confirmed"
        supabase.auth.sign_out()

    if "otp" in state:
        check("verify_otp with the email and code opens a session", verify_otp_with_code)
        check("verify_otp with the same code again raises otp_expired",
              lambda: expect_api_error(lambda: supabase.auth.verify_otp({"email": otp_email, "token": state["otp"], "type": "email"}),
                                       "otp_expired", 403))

    def verify_otp_with_hash():
        link = admin.generate_link({"type": "magiclink", "email": otp_email})
        response = supabase.auth.verify_otp({"token_hash": link.properties.hashed_token, "type": "magiclink"})
        assert_session(response.session, otp_email, "verify_otp by hash")
        supabase.auth.sign_out()

    check("verify_otp with a generated link's token_hash opens a session", verify_otp_with_hash)
    check("sign_in_with_otp for an unknown address without should_create_user raises otp_disabled",
          lambda: expect_api_error(lambda: supabase.auth.sign_in_with_otp(
              {"email": unique_email("nobody"), "options": {"should_create_user": False}}), "otp_disabled", 422))
    check("resend of a sign-up confirmation answers like Supabase Auth",
          lambda: supabase.auth.resend({"type": "signup", "email": unique_email("resend")}))

    def invite():
        invited_email = unique_email("invitee")
        response = admin.invite_user_by_email(invited_email, {"data": {"team": "blue"}})
        assert response.user.email == invited_email, f"invited user {response.user.email!r}"
        assert response.user.invited_at is not None, "invited_at missing"
        assert response.user.user_metadata.get("team") == "blue", f"user_metadata {response.user.user_metadata!r}"

    check("admin.invite_user_by_email creates and invites the user", invite)
    check("admin.invite_user_by_email with the anon key raises not_admin",
          lambda: expect_api_error(lambda: anon_admin.invite_user_by_email(unique_email("anon-invite")), "not_admin", 403))
    check("admin.generate_link with the anon key raises not_admin",
          lambda: expect_api_error(lambda: anon_admin.generate_link({"type": "magiclink", "email": otp_email}), "not_admin", 403))

    # -- Multi-factor authentication (TOTP) ----------------------------------------------------

    def totp(secret, offset=0):
        key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + offset), hashlib.sha1).digest()
        start = digest[19] & 15
        return "%06d" % ((struct.unpack(">I", digest[start:start + 4])[0] & 0x7FFFFFFF) % 1000000)

    mfa_email = unique_email("mfa")

    def mfa_enroll_challenge_verify():
        client = create_client(url, anon_key)
        client.auth.sign_up({"email": mfa_email, "password": PASSWORD})
        enrolled = client.auth.mfa.enroll({"factor_type": "totp", "friendly_name": "phone"})
        # The client makes the server's SVG a data URL itself.
        assert enrolled.totp.qr_code.startswith("data:image/svg+xml;utf-8,<svg"), f"qr_code {enrolled.totp.qr_code[:60]!r}"
        assert enrolled.totp.uri.startswith("otpauth://totp/"), f"uri {enrolled.totp.uri!r}"
        challenge = client.auth.mfa.challenge({"factor_id": enrolled.id})
        verified = client.auth.mfa.verify({"factor_id": enrolled.id, "challenge_id": challenge.id, "code": totp(enrolled.totp.secret)})
        assert decode_claims(verified.access_token)["aal"] == "aal2", "verify raises the session to aal2"
        level = client.auth.mfa.get_authenticator_assurance_level()
        assert level.current_level == "aal2", f"assurance level {level!r}"
        factors = client.auth.mfa.list_factors()
        assert [f.id for f in factors.totp] == [enrolled.id], f"factors {factors!r}"
        state["mfa"] = (client, enrolled.id)

    check("mfa.enroll (with its SVG QR code), challenge and verify reach aal2; list_factors shows the factor", mfa_enroll_challenge_verify)

    def mfa_wrong_code_and_unenroll():
        client, factor = state["mfa"]
        challenge = client.auth.mfa.challenge({"factor_id": factor})
        expect_api_error(lambda: client.auth.mfa.verify({"factor_id": factor, "challenge_id": challenge.id, "code": "000000"}),
                         "mfa_verification_failed", 422)
        client.auth.mfa.unenroll({"factor_id": factor})
        assert client.auth.mfa.list_factors().all == [], "unenrolled"

    if "mfa" in state:
        check("mfa.verify with a wrong code raises mfa_verification_failed; mfa.unenroll removes the factor", mfa_wrong_code_and_unenroll)

    def oauth_url():
        client = create_client(url, anon_key)
        response = client.auth.sign_in_with_oauth({"provider": "github", "options": {"redirect_to": url}})
        assert response.url.startswith(url + "/auth/v1/authorize?") and "provider=github" in response.url, f"url {response.url!r}"
        assert "code_challenge_method=s256" in response.url, "the client asks for the PKCE flow"
        # No provider is configured on this server: the authorize endpoint refuses it, as GoTrue does.
        status = __import__("httpx").get(response.url, follow_redirects=False).status_code
        assert status == 400, f"authorize answered {status}"

    check("sign_in_with_oauth builds the authorize URL; an unconfigured provider is refused", oauth_url)

    # -- The same admin calls with the anon key -------------------------------------------------

    victim = state["user"].id if "user" in state else unknown_id
    anon_calls = [
        ("create_user", lambda: anon_admin.create_user({"email": unique_email("anon"), "password": PASSWORD})),
        ("list_users", lambda: anon_admin.list_users()),
        ("get_user_by_id", lambda: anon_admin.get_user_by_id(victim)),
        ("update_user_by_id", lambda: anon_admin.update_user_by_id(victim, {"user_metadata": {"x": 1}})),
        ("delete_user", lambda: anon_admin.delete_user(victim)),
    ]
    for name, call in anon_calls:
        check(f"admin.{name} with the anon key raises not_admin",
              lambda call=call: expect_api_error(call, "not_admin", 403))

    def victim_survives():
        response = admin.get_user_by_id(victim)
        assert response.user.user_metadata == {"b": "two", "c": True}, f"user_metadata {response.user.user_metadata!r}"

    check("the anon-key admin calls changed nothing", victim_survives)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
