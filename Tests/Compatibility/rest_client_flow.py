"""Drives the official Supabase Python client (supabase-py / postgrest-py) through /rest/v1.

Usage: python rest_client_flow.py <API URL> <anon key> <service_role key>

Users sign up through the client's auth API; every table and RPC call then goes through
`client.table(...)` / `client.rpc(...)` as that user, so the client's own request building and
response parsing are what is tested. Catalogue tables (print_products, motivational_themes) are
read with the anon key; user tables (vision_boards, action_tasks, reference_images,
user_comm_preferences, habits, profiles) as their owner and, from the attacker's side, as another
user and as anon.

One line per check, then `N passed, M failed`; the exit status is 0 only when every check passed.
A failing check prints the last HTTP exchange the client made (what it sent, what came back).
"""

import sys
import uuid
from datetime import datetime

from postgrest.exceptions import APIError
from supabase import create_client

import flow_checks

PASSWORD = "correct-horse-battery"

# The last request/response the client made, for failure reports.
last_exchange = {}


def print_exchange():
    if not last_exchange:
        return
    for line in last_exchange.get("lines", []):
        print(f"      {line}", flush=True)


def describe(error):
    if isinstance(error, APIError):
        return f"APIError(code={error.code!r}, message={error.message!r}, details={error.details!r}, hint={error.hint!r})"
    return f"{type(error).__name__}: {error}"


def shorten(text, limit=600):
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= limit else text[:limit] + "…"


def record_exchanges(client):
    """Hooks the client's REST session so a failing check can show the request and response."""
    session = client.postgrest.session

    def on_response(response):
        response.read()
        request = response.request
        sent = {k: v for k, v in request.headers.items() if k.lower() in ("prefer", "accept", "content-type", "range")}
        received = {
            k: v for k, v in response.headers.items()
            if k.lower() in ("content-range", "content-type", "preference-applied", "location", "proxy-status")
        }
        body = request.content.decode("utf-8", "replace") if request.content else ""
        last_exchange["lines"] = [
            f"sent:     {request.method} {request.url}",
            f"          headers {sent}" + (f" body {shorten(body)}" if body else ""),
            f"received: {response.status_code} {received}",
            f"          body {shorten(response.text)}",
        ]

    session.event_hooks["response"].append(on_response)


def expect_api_error(call, code):
    """Runs `call`, which must raise the client's APIError with this code."""
    try:
        result = call()
    except APIError as error:
        assert error.code == code, f"expected APIError code {code!r}, got {describe(error)}"
        return error
    shown = shorten(repr(getattr(result, "data", result)), 300)
    raise AssertionError(f"expected APIError code {code!r}, but the call returned {shown}")


def rows(response):
    data = response.data
    assert isinstance(data, list), f"expected a JSON array, got {shorten(repr(data), 300)}"
    return data


def column(response, name):
    return [row.get(name) for row in rows(response)]


def timestamp(text):
    return datetime.fromisoformat(text)


def unique_email(label):
    return flow_checks.unique_email("py-rest", label)


checks = flow_checks.Checks(describe=describe, before=last_exchange.clear, after_failure=print_exchange)
check = checks.run


def main():
    if len(sys.argv) != 4:
        print("usage: rest_client_flow.py <API URL> <anon key> <service_role key>", file=sys.stderr)
        return 2
    url, anon_key, service_key = sys.argv[1:4]
    state = {}

    # -- Clients: two signed-up users, one anon client, one service_role client ------------------

    def clients():
        for label in ("a", "b"):
            client = create_client(url, anon_key)
            response = client.auth.sign_up({"email": unique_email(label), "password": PASSWORD})
            assert response.session is not None, f"user {label}: sign_up returned no session"
            state[label] = client
            state[f"{label}_id"] = response.user.id
            record_exchanges(client)
        state["anon"] = create_client(url, anon_key)
        record_exchanges(state["anon"])
        state["service"] = create_client(url, service_key)
        record_exchanges(state["service"])

    check("two users sign up; anon and service_role clients are created", clients)
    if "service" not in state:
        checks.summary()
        return 1
    a, b, anon, service = state["a"], state["b"], state["anon"], state["service"]
    a_id, b_id = state["a_id"], state["b_id"]

    # -- Public catalogue as anon: filters, order, limit, range, count ---------------------------

    products = lambda: anon.table("print_products")  # noqa: E731

    def select_all_count():
        response = products().select("*", count="exact").execute()
        assert response.count == 10, f"count {response.count!r}, expected 10"
        assert len(rows(response)) == 10, f"{len(response.data)} rows, expected 10"
        row = response.data[0]
        for key in ("id", "name", "product_type", "prodigi_sku", "base_price", "personalization_fields", "created_at"):
            assert key in row, f"key {key!r} missing from {sorted(row)}"

    check("print_products select('*', count='exact') as anon: 10 rows, count 10", select_all_count)

    def select_columns():
        response = products().select("name, sku:prodigi_sku, price:base_price::text").eq("prodigi_sku", "BUNDLE-QTR-KIT").execute()
        assert rows(response) == [{"name": "Quarterly Review Kit", "sku": "BUNDLE-QTR-KIT", "price": "34.99"}], (
            f"rows {response.data!r}")

    check("select with column list, alias and cast", select_columns)

    def explain_json():
        response = products().select("name").eq("product_type", "poster").explain(format="json").execute()
        plan = response.data
        assert isinstance(plan, list) and "Plan" in plan[0], f"explain answered {plan!r}"

    check("explain(format='json') answers PostgreSQL's plan of the query", explain_json)

    def explain_text_analyze():
        response = products().select("name").explain(analyze=True, verbose=True).execute()
        text = response if isinstance(response, str) else getattr(response, "data", str(response))
        assert "actual time=" in str(text), f"explain answered {str(text)[:300]!r}"

    check("explain(analyze=True, verbose=True) answers the text plan with actual times", explain_text_analyze)

    def filter_check(name, build, expected):
        def run():
            response = build(products().select("name, sort_order")).order("sort_order").execute()
            got = column(response, "sort_order")
            assert got == expected, f"sort_order {got!r}, expected {expected!r}"
        check(name, run)

    filter_check("eq: product_type = poster", lambda q: q.eq("product_type", "poster"), [3, 4])
    filter_check("neq: product_type <> pad", lambda q: q.neq("product_type", "pad"), [2, 3, 4, 5, 6, 7, 8, 9])
    filter_check("gt: base_price > 30", lambda q: q.gt("base_price", 30), [4, 6, 7, 8])
    filter_check("lt: base_price < 10", lambda q: q.lt("base_price", 10), [2, 5])
    filter_check("gte/lte: 14.99 <= base_price <= 19.99",
                 lambda q: q.gte("base_price", 14.99).lte("base_price", 19.99), [1, 9, 10])
    filter_check("like: name LIKE 'Vision%'", lambda q: q.like("name", "Vision%"), [3, 4, 6, 7])
    filter_check("ilike: name ILIKE '%PAD%'", lambda q: q.ilike("name", "%PAD%"), [1, 10])
    filter_check("in_: product_type in (cards, sticker)", lambda q: q.in_("product_type", ["cards", "sticker"]), [2, 5, 9])
    filter_check("contains: personalization_fields @> '[\"title\"]' (jsonb)",
                 lambda q: q.contains("personalization_fields", '["title"]'), [1, 3, 4, 6, 7, 10])
    filter_check("or_: product_type.eq.bundle or base_price.gt.80",
                 lambda q: q.or_("product_type.eq.bundle,base_price.gt.80"), [7, 8])
    filter_check("not_.eq: product_type not pad", lambda q: q.not_.eq("product_type", "pad"), [2, 3, 4, 5, 6, 7, 8, 9])
    filter_check("not_.in_: product_type not in (poster, canvas, pad)",
                 lambda q: q.not_.in_("product_type", ["poster", "canvas", "pad"]), [2, 5, 8, 9])
    filter_check("is_: shipping_estimate is null (none)", lambda q: q.is_("shipping_estimate", None), [])
    filter_check("not_.is_ + match: requires_content is true and name ~ 'Cards$'",
                 lambda q: q.not_.is_("requires_content", False).filter("name", "match", "Cards$"), [2, 9])

    def order_limit():
        response = products().select("sort_order").order("sort_order", desc=True).limit(3).execute()
        assert column(response, "sort_order") == [10, 9, 8], f"sort_order {column(response, 'sort_order')!r}"

    check("order desc + limit 3", order_limit)

    def order_two_keys():
        response = products().select("base_price, sort_order").order("base_price").order("sort_order", desc=True).limit(4).execute()
        got = [(row["base_price"], row["sort_order"]) for row in rows(response)]
        assert got == [(9.99, 5), (9.99, 2), (14.99, 9), (14.99, 1)], f"rows {got!r}"

    check("order by two keys (base_price asc, sort_order desc)", order_two_keys)

    def range_():
        response = products().select("sort_order").order("sort_order").range(2, 4).execute()
        assert column(response, "sort_order") == [3, 4, 5], f"sort_order {column(response, 'sort_order')!r}"

    check("range(2, 4) → offset 2, limit 3", range_)

    def count_partial():
        response = products().select("name", count="exact").order("sort_order").limit(3).execute()
        assert response.count == 10, f"count {response.count!r}, expected 10"
        assert len(rows(response)) == 3, f"{len(response.data)} rows"

    check("count='exact' with limit 3: 3 rows, count 10 (206)", count_partial)

    def count_filtered_empty():
        response = products().select("*", count="exact").eq("product_type", "workbook").execute()
        assert response.data == [] and response.count == 0, f"data {response.data!r}, count {response.count!r}"

    check("count='exact' with no matching rows: [] and count 0", count_filtered_empty)

    def head_count():
        response = products().select("*", count="exact", head=True).eq("product_type", "pad").execute()
        assert response.count == 2, f"count {response.count!r}"

    check("select(count='exact', head=True): count 2, no body", head_count)

    def single_one():
        response = products().select("name, base_price").eq("prodigi_sku", "GLOBAL-FAP-18x24").single().execute()
        assert response.data == {"name": "Vision Poster 18x24", "base_price": 24.99}, f"data {response.data!r}"

    check("single() on one row returns the object", single_one)

    def single_two():
        error = expect_api_error(
            lambda: products().select("*").eq("product_type", "poster").single().execute(), "PGRST116")
        assert "2 rows" in str(error.details), f"details {error.details!r}"

    check("single() on two rows raises PGRST116", single_two)

    check("single() on zero rows raises PGRST116",
          lambda: expect_api_error(lambda: products().select("*").eq("prodigi_sku", "NOPE").single().execute(), "PGRST116"))

    def maybe_single_none():
        response = products().select("*").eq("prodigi_sku", "NOPE").maybe_single().execute()
        assert response is None, f"expected None, got {response!r}"

    check("maybe_single() on zero rows returns None", maybe_single_none)

    def maybe_single_one():
        response = products().select("name").eq("prodigi_sku", "GLOBAL-STK-A4").maybe_single().execute()
        assert response is not None and response.data == {"name": "Achievement Stickers"}, f"response {response!r}"

    check("maybe_single() on one row returns it", maybe_single_one)

    def themes():
        response = a.table("motivational_themes").select("name, is_active", count="exact").order("sort_order").execute()
        assert column(response, "name") == ["christian", "business_executive", "health_fitness", "retirement", "custom"], (
            f"names {column(response, 'name')!r}")
        assert response.count == 5, f"count {response.count!r}"

    check("motivational_themes as a user: 5 themes in sort_order, count 5", themes)

    # -- Inserts as user A -----------------------------------------------------------------------

    boards = lambda client: client.table("vision_boards")  # noqa: E731

    def insert_object():
        response = boards(a).insert({"prompt": "A house by the sea", "image_url": "https://img.test/1.png"}).execute()
        data = rows(response)
        assert len(data) == 1, f"{len(data)} rows returned"
        row = data[0]
        assert row["user_id"] == a_id, f"user_id {row['user_id']!r}, expected the caller {a_id!r}"
        assert row["is_favorite"] is False and row["deleted_at"] is None, f"defaults {row!r}"
        assert row["id"] and row["created_at"] and row["updated_at"], f"row {row!r}"
        state["board1"] = row["id"]

    check("insert(object) returns the row with defaults and user_id = auth.uid()", insert_object)

    def insert_list():
        response = boards(a).insert([
            {"prompt": "Mountain cabin", "image_url": "https://img.test/2.png", "is_favorite": True},
            {"prompt": "Paris apartment", "image_url": "https://img.test/3.png"},
        ]).execute()
        data = rows(response)
        assert [row["prompt"] for row in data] == ["Mountain cabin", "Paris apartment"], f"rows {data!r}"
        assert [row["is_favorite"] for row in data] == [True, False], (
            f"is_favorite {[row['is_favorite'] for row in data]!r}: the absent key must take its default")
        assert all(row["user_id"] == a_id for row in data), "user_id not the caller"
        state["board2"], state["board3"] = data[0]["id"], data[1]["id"]

    check("insert([two rows, heterogeneous keys]) returns both; absent is_favorite → default false", insert_list)

    tasks = lambda client: client.table("action_tasks")  # noqa: E731

    def insert_tasks():
        response = tasks(a).insert([
            {"title": "Open a savings account", "type": "FINANCE", "milestone_year": 2030,
             "ai_metadata": {"suggestedTool": "GMAIL", "sourceUrl": "https://bank.test"}},
            {"title": "Book the Lisbon trip", "type": "LIFESTYLE", "description": "Lisbon in May", "is_completed": True},
            {"title": "File the taxes", "type": "ADMIN", "milestone_year": 2026},
        ]).execute()
        data = rows(response)
        assert len(data) == 3, f"{len(data)} rows"
        by_title = {row["title"]: row for row in data}
        assert by_title["Open a savings account"]["is_completed"] is False, "absent is_completed not defaulted"
        assert by_title["File the taxes"]["description"] is None, "absent description not null"
        assert by_title["Book the Lisbon trip"]["milestone_year"] is None, "absent milestone_year not null"
        assert by_title["Open a savings account"]["ai_metadata"] == {"suggestedTool": "GMAIL", "sourceUrl": "https://bank.test"}, (
            f"ai_metadata {by_title['Open a savings account']['ai_metadata']!r}")
        state["tasks"] = {row["title"]: row["id"] for row in data}

    check("insert([three action_tasks, heterogeneous keys]): absent keys take defaults / null", insert_tasks)

    def task_filter(name, build, expected):
        def run():
            response = build(tasks(a).select("title")).order("title").execute()
            got = column(response, "title")
            assert got == expected, f"titles {got!r}, expected {expected!r}"
        check(name, run)

    task_filter("user rows: eq type FINANCE", lambda q: q.eq("type", "FINANCE"), ["Open a savings account"])
    task_filter("user rows: neq type FINANCE", lambda q: q.neq("type", "FINANCE"), ["Book the Lisbon trip", "File the taxes"])
    task_filter("user rows: gt milestone_year 2026", lambda q: q.gt("milestone_year", 2026), ["Open a savings account"])
    task_filter("user rows: lt milestone_year 2030", lambda q: q.lt("milestone_year", 2030), ["File the taxes"])
    task_filter("user rows: like title 'Book%'", lambda q: q.like("title", "Book%"), ["Book the Lisbon trip"])
    task_filter("user rows: ilike title '%TAXES%'", lambda q: q.ilike("title", "%TAXES%"), ["File the taxes"])
    task_filter("user rows: in_ type (FINANCE, ADMIN)", lambda q: q.in_("type", ["FINANCE", "ADMIN"]),
                ["File the taxes", "Open a savings account"])
    task_filter("user rows: is_ description null", lambda q: q.is_("description", None),
                ["File the taxes", "Open a savings account"])
    task_filter("user rows: is_ is_completed true", lambda q: q.is_("is_completed", True), ["Book the Lisbon trip"])
    task_filter("user rows: contains ai_metadata {'suggestedTool': 'GMAIL'} (jsonb, dict)",
                lambda q: q.contains("ai_metadata", {"suggestedTool": "GMAIL"}), ["Open a savings account"])
    task_filter("user rows: or_ type.eq.LIFESTYLE,milestone_year.gte.2030",
                lambda q: q.or_("type.eq.LIFESTYLE,milestone_year.gte.2030"), ["Book the Lisbon trip", "Open a savings account"])
    task_filter("user rows: or_ with nested and()",
                lambda q: q.or_("and(type.eq.ADMIN,milestone_year.eq.2026),description.ilike.*lisbon*"),
                ["Book the Lisbon trip", "File the taxes"])
    task_filter("user rows: not_.is_ milestone_year null", lambda q: q.not_.is_("milestone_year", None),
                ["File the taxes", "Open a savings account"])
    task_filter("user rows: not_.like title '%the%'", lambda q: q.not_.like("title", "%the%"), ["Open a savings account"])

    def order_nulls():
        response = tasks(a).select("milestone_year").order("milestone_year", desc=True, nullsfirst=False).execute()
        assert column(response, "milestone_year") == [2030, 2026, None], f"{column(response, 'milestone_year')!r}"
        response = tasks(a).select("milestone_year").order("milestone_year", nullsfirst=True).execute()
        assert column(response, "milestone_year") == [None, 2026, 2030], f"{column(response, 'milestone_year')!r}"

    check("order with nullslast / nullsfirst", order_nulls)

    def array_contains():
        images = a.table("reference_images")
        response = images.insert([
            {"image_url": "https://img.test/r1.png", "tags": ["beach", "golden hour"]},
            {"image_url": "https://img.test/r2.png", "tags": ["city"]},
            {"image_url": "https://img.test/r3.png"},
        ]).execute()
        assert [row["tags"] for row in rows(response)] == [["beach", "golden hour"], ["city"], []], (
            f"tags {[row['tags'] for row in response.data]!r}: an absent tags key must take its default '{{}}'")
        response = images.select("image_url").contains("tags", ["golden hour", "beach"]).execute()
        assert column(response, "image_url") == ["https://img.test/r1.png"], f"{column(response, 'image_url')!r}"
        response = images.select("image_url").contained_by("tags", ["city", "beach"]).order("image_url").execute()
        assert column(response, "image_url") == ["https://img.test/r2.png", "https://img.test/r3.png"], (
            f"{column(response, 'image_url')!r}")

    check("text[] column: insert with absent tags (default '{}'), contains / contained_by", array_contains)

    def count_own():
        response = boards(a).select("id", count="exact").execute()
        assert response.count == 3 and len(rows(response)) == 3, f"count {response.count!r}, rows {response.data!r}"

    check("count='exact' on the user's own vision_boards: 3", count_own)

    def single_own():
        response = boards(a).select("*").eq("id", state["board1"]).single().execute()
        assert isinstance(response.data, dict) and response.data["prompt"] == "A house by the sea", f"data {response.data!r}"

    check("single() on the user's own row", single_own)

    check("single() on two of the user's rows raises PGRST116",
          lambda: expect_api_error(lambda: boards(a).select("*").in_("id", [state["board1"], state["board2"]]).single().execute(),
                                   "PGRST116"))

    # -- Updates ---------------------------------------------------------------------------------

    def update_returning():
        response = boards(a).update({"prompt": "A house by the ocean", "is_favorite": True}).eq("id", state["board1"]).execute()
        data = rows(response)
        assert len(data) == 1, f"{len(data)} rows updated"
        assert data[0]["prompt"] == "A house by the ocean" and data[0]["is_favorite"] is True, f"row {data[0]!r}"
        assert timestamp(data[0]["updated_at"]) > timestamp(data[0]["created_at"]), (
            f"updated_at {data[0]['updated_at']!r} not after created_at {data[0]['created_at']!r} (set_updated_at trigger)")

    check("update().eq() returns the updated row", update_returning)

    def update_none():
        response = boards(a).update({"prompt": "nobody"}).eq("id", str(uuid.uuid4())).execute()
        assert response.data == [], f"data {response.data!r}"

    check("update().eq() matching nothing returns []", update_none)

    def update_many():
        response = tasks(a).update({"is_completed": True}).is_("is_completed", False).execute()
        assert sorted(column(response, "title")) == ["File the taxes", "Open a savings account"], f"{column(response, 'title')!r}"

    check("update() with a filter matching two rows returns both", update_many)

    # -- Upserts ---------------------------------------------------------------------------------

    prefs = lambda client: client.table("user_comm_preferences")  # noqa: E731

    def upsert_insert():
        response = prefs(a).upsert({"timezone": "Europe/Paris"}, on_conflict="user_id").execute()
        data = rows(response)
        assert len(data) == 1 and data[0]["timezone"] == "Europe/Paris", f"rows {data!r}"
        assert data[0]["user_id"] == a_id and data[0]["preferred_channel"] == "push", f"row {data[0]!r}"
        state["prefs_id"] = data[0]["id"]

    check("upsert(on_conflict='user_id') with no existing row inserts it", upsert_insert)

    def upsert_merge():
        response = prefs(a).upsert({"timezone": "Asia/Tokyo", "preferred_channel": "sms"}, on_conflict="user_id").execute()
        data = rows(response)
        assert len(data) == 1, f"rows {data!r}"
        assert data[0]["id"] == state.get("prefs_id"), f"id {data[0]['id']!r}: merged into a new row?"
        assert data[0]["timezone"] == "Asia/Tokyo" and data[0]["preferred_channel"] == "sms", f"row {data[0]!r}"
        stored = prefs(a).select("timezone, preferred_channel", count="exact").execute()
        assert stored.count == 1 and stored.data == [{"timezone": "Asia/Tokyo", "preferred_channel": "sms"}], (
            f"stored {stored.data!r} (count {stored.count!r})")

    check("upsert(on_conflict='user_id') merges into the existing row", upsert_merge)

    def upsert_ignore():
        response = prefs(a).upsert({"timezone": "UTC"}, on_conflict="user_id", ignore_duplicates=True).execute()
        assert response.data == [], f"data {response.data!r}: ignore_duplicates returns only new rows"
        stored = prefs(a).select("timezone").single().execute()
        assert stored.data == {"timezone": "Asia/Tokyo"}, f"stored {stored.data!r}"

    check("upsert(ignore_duplicates=True) leaves the row and returns []", upsert_ignore)

    def upsert_primary_key():
        response = boards(a).upsert([
            {"id": state["board2"], "prompt": "Mountain chalet", "image_url": "https://img.test/2b.png"},
            {"id": str(uuid.uuid4()), "prompt": "Garden", "image_url": "https://img.test/4.png"},
        ]).execute()
        data = rows(response)
        assert sorted(row["prompt"] for row in data) == ["Garden", "Mountain chalet"], f"rows {data!r}"
        merged = next(row for row in data if row["id"] == state["board2"])
        assert merged["is_favorite"] is True, f"merge touched a column it was not given: {merged!r}"
        state["board4"] = next(row["id"] for row in data if row["id"] != state["board2"])
        assert boards(a).select("id", count="exact").execute().count == 4, "expected 4 boards after the upsert"

    check("upsert([existing id, new id]) on the primary key updates one and inserts one", upsert_primary_key)

    # -- Deletes ---------------------------------------------------------------------------------

    def delete_returning():
        task_id = state["tasks"]["File the taxes"]
        response = tasks(a).delete().eq("id", task_id).execute()
        assert column(response, "id") == [task_id], f"deleted {response.data!r}"
        assert tasks(a).select("id").eq("id", task_id).execute().data == [], "row still there"

    check("delete().eq() returns the deleted row, which is gone", delete_returning)

    def delete_soft():
        response = boards(a).delete().eq("id", state["board4"]).execute()
        assert response.data == [], f"soft delete reported {response.data!r} (the trigger skips the physical delete)"
        assert boards(a).select("id").eq("id", state["board4"]).execute().data == [], "soft-deleted board still visible"
        hidden = service.table("vision_boards").select("deleted_at").eq("id", state["board4"]).single().execute()
        assert hidden.data["deleted_at"] is not None, f"service_role sees {hidden.data!r}"

    check("delete().eq() on vision_boards soft-deletes (0 rows reported, row hidden, deleted_at set)", delete_soft)

    # -- RPC -------------------------------------------------------------------------------------

    def restore():
        response = a.rpc("restore_vision_board", {"p_id": state["board4"]}).execute()
        assert response.data is True, f"restore of the soft-deleted board returned {response.data!r}"
        assert len(boards(a).select("id").eq("id", state["board4"]).execute().data) == 1, "restored board not visible"

    check("rpc('restore_vision_board', {p_id}) restores the soft-deleted board → True", restore)

    def restore_random():
        response = a.rpc("restore_vision_board", {"p_id": str(uuid.uuid4())}).execute()
        assert response.data is False, f"returned {response.data!r}"

    check("rpc('restore_vision_board', {p_id: random uuid}) → False", restore_random)

    def decrement():
        results = [a.rpc("decrement_user_credits").execute().data for _ in range(4)]
        assert results == [True, True, True, False], f"results {results!r}"
        profile = a.table("profiles").select("credits, subscription_tier").single().execute()
        assert profile.data == {"credits": 0, "subscription_tier": "FREE"}, f"profile {profile.data!r}"

    check("rpc('decrement_user_credits') → True, True, True, False; credits 0", decrement)

    check("rpc of an unknown function raises PGRST202",
          lambda: expect_api_error(lambda: a.rpc("no_such_function", {"x": 1}).execute(), "PGRST202"))

    # -- Same-owner habits -----------------------------------------------------------------------

    def habit_insert():
        task_id = state["tasks"]["Open a savings account"]
        response = a.table("habits").insert({"title": "Save 10 a day", "task_id": task_id}).execute()
        row = rows(response)[0]
        assert row["task_id"] == task_id and row["frequency"] == "daily" and row["custom_days"] == [], f"row {row!r}"
        assert row["current_streak"] == 0 and row["is_active"] is True, f"row {row!r}"

    check("habits insert with the user's own task_id; defaults applied", habit_insert)

    # -- RLS from the attacker's side ------------------------------------------------------------

    def b_sees_nothing():
        response = boards(b).select("*", count="exact").execute()
        assert response.data == [] and response.count == 0, f"B sees {response.data!r} (count {response.count!r})"
        response = boards(b).select("*").eq("id", state["board1"]).execute()
        assert response.data == [], f"B sees A's board by id: {response.data!r}"
        response = tasks(b).select("*").execute()
        assert response.data == [], f"B sees tasks {response.data!r}"

    check("user B sees none of A's vision_boards or action_tasks", b_sees_nothing)

    def b_update():
        response = boards(b).update({"prompt": "pwned"}).eq("id", state["board1"]).execute()
        assert response.data == [], f"B's update returned {response.data!r}"
        mine = boards(a).select("prompt").eq("id", state["board1"]).single().execute()
        assert mine.data["prompt"] == "A house by the ocean", f"A's row is now {mine.data!r}"

    check("user B's update of A's row affects nothing", b_update)

    def b_delete():
        response = boards(b).delete().eq("id", state["board1"]).execute()
        assert response.data == [], f"B's delete returned {response.data!r}"
        assert len(boards(a).select("id").eq("id", state["board1"]).execute().data) == 1, "A's row is gone"

    check("user B's delete of A's row affects nothing", b_delete)

    check("user B inserting a board owned by A raises 42501",
          lambda: expect_api_error(
              lambda: boards(b).insert({"user_id": a_id, "prompt": "x", "image_url": "https://img.test/x.png"}).execute(), "42501"))

    check("user B inserting a habit on A's task raises 42501 (same-owner check)",
          lambda: expect_api_error(
              lambda: b.table("habits").insert({"title": "x", "task_id": state["tasks"]["Open a savings account"]}).execute(),
              "42501"))

    def b_restore():
        boards(a).delete().eq("id", state["board3"]).execute()
        response = b.rpc("restore_vision_board", {"p_id": state["board3"]}).execute()
        assert response.data is False, f"B restoring A's board returned {response.data!r}"
        assert boards(a).select("id").eq("id", state["board3"]).execute().data == [], "A's board was restored by B"

    check("user B's restore_vision_board on A's soft-deleted board → False", b_restore)

    check("anon-key client insert into vision_boards raises 42501",
          lambda: expect_api_error(
              lambda: boards(anon).insert({"prompt": "x", "image_url": "https://img.test/x.png"}).execute(), "42501"))

    check("anon-key client select on vision_boards raises 42501",
          lambda: expect_api_error(lambda: boards(anon).select("*").execute(), "42501"))

    def service_sees_all():
        response = service.table("vision_boards").select("id", count="exact").in_("user_id", [a_id, b_id]).execute()
        assert response.count == 4, f"service_role count {response.count!r} (A has 3 live + 1 soft-deleted)"

    check("service_role sees every row, soft-deleted included", service_sees_all)

    # -- Errors ----------------------------------------------------------------------------------

    check("unknown table raises PGRST205",
          lambda: expect_api_error(lambda: a.table("no_such_table").select("*").execute(), "PGRST205"))

    check("unknown column in select raises 42703",
          lambda: expect_api_error(lambda: boards(a).select("id, no_such_column").execute(), "42703"))

    check("unknown column in a filter raises 42703",
          lambda: expect_api_error(lambda: boards(a).select("id").eq("no_such_column", 1).execute(), "42703"))

    check("unknown column in an insert raises PGRST204",
          lambda: expect_api_error(lambda: tasks(a).insert({"title": "x", "type": "ADMIN", "nope": 1}).execute(), "PGRST204"))

    def duplicate():
        error = expect_api_error(lambda: prefs(a).insert({"timezone": "UTC"}).execute(), "23505")
        assert "duplicate key" in (error.message or ""), f"message {error.message!r}"

    check("duplicate user_comm_preferences (unique user_id) raises 23505", duplicate)

    check("duplicate primary key raises 23505",
          lambda: expect_api_error(
              lambda: boards(a).insert({"id": state["board1"], "prompt": "x", "image_url": "https://img.test/x.png"}).execute(),
              "23505"))

    check("CHECK violation (action_tasks.type) raises 23514",
          lambda: expect_api_error(lambda: tasks(a).insert({"title": "x", "type": "NOPE"}).execute(), "23514"))

    check("NOT NULL violation (explicit null prompt) raises 23502",
          lambda: expect_api_error(
              lambda: boards(a).insert({"prompt": None, "image_url": "https://img.test/x.png"}).execute(), "23502"))

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
