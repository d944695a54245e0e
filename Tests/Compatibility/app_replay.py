"""What the app-replay scripts share: users signed up through the official client, as the
Visionary AI web app signs them up, and `invoke` as the app calls a function.

Each `app_*_flow.py` replays the calls one part of the app makes (the app's file is cited above
each check), with the app's exact request, and asserts on the fields the app reads. The web app
uses supabase-js; supabase-py builds the same requests (JSON bodies, the action carried in the
function's name, the session's access token as the bearer)."""

import sys

from supabase import create_client
from supabase_functions.errors import FunctionsHttpError, FunctionsRelayError

import flow_checks

PASSWORD = "correct-horse-battery"


def arguments(script):
    """The API URL, anon key and service_role key the Swift test passes."""
    if len(sys.argv) != 4:
        print(f"usage: {script} <API URL> <anon key> <service_role key>", file=sys.stderr)
        sys.exit(2)
    return sys.argv[1:4]


class User:
    """A signed-up, confirmed user and the client that acts as them."""

    def __init__(self, url, anon_key, label, prefix="app"):
        self.client = create_client(url, anon_key)
        self.email = flow_checks.unique_email(prefix, label)
        response = self.client.auth.sign_up({"email": self.email, "password": PASSWORD})
        assert response.session is not None, f"user {label}: sign_up returned no session"
        self.id = response.user.id
        self.access_token = response.session.access_token


def invoke(client, name, body=None, method=None):
    """`supabase.functions.invoke(name, {body, method})` read as JSON, as the app reads it."""
    options = {"responseType": "json"}
    if body is not None:
        options["body"] = body
    if method is not None:
        options["method"] = method
    return client.functions.invoke(name, options)


def expect_http_error(call, status, message_part=None):
    """Runs `call`, which must raise FunctionsHttpError with this status (and message): a refusal
    in the function's error envelope, which the app receives as `response.error`."""
    try:
        result = call()
    except FunctionsRelayError as error:
        raise AssertionError(f"expected FunctionsHttpError {status}, got FunctionsRelayError {error.status}: {error.message}")
    except FunctionsHttpError as error:
        assert error.status == status, f"expected status {status}, got {error.status}: {error.message!r}"
        if message_part is not None:
            assert message_part in error.message, f"message {error.message!r} lacks {message_part!r}"
        return error
    raise AssertionError(f"expected FunctionsHttpError {status}, but the call returned {result!r}")
