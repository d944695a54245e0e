"""print-products as the app's shop screen (components/PrintProducts.tsx) calls it, replayed through
the official client with the app's exact requests — none of which names an action — and the
attacker's side of them.

Usage: python app_print_flow.py <API URL> <anon key> <service_role key>
"""

import sys

from supabase import create_client

import flow_checks
from app_replay import User, arguments, expect_http_error, invoke

checks = flow_checks.Checks()
check = checks.run

# PrintProducts.tsx:65-73 — the address form's state as the order sends it (country preset to US).
ADDRESS = {"name": "Ada Lovelace", "line1": "12 Analytical Row", "line2": "", "city": "London",
           "state": "LDN", "postalCode": "N1 9GU", "country": "US"}


def as_the_app(user, body):
    """PrintProducts.tsx:132-135 and 167-174: invoke('print-products', {body, headers: {Authorization:
    `Bearer ${session.access_token}`}}) — the session's token passed explicitly, no action named."""
    return user.client.functions.invoke("print-products", {
        "body": body, "headers": {"Authorization": f"Bearer {user.access_token}"}, "responseType": "json"})


def main():
    url, anon_key, service_key = arguments("app_print_flow.py")
    anon = create_client(url, anon_key)
    service = create_client(url, service_key)
    me = User(url, anon_key, "print")
    other = User(url, anon_key, "print-other")
    state = {}

    def catalogue():
        # PrintProducts.tsx:88-95 — invoke('print-products', {body: {}}) as soon as the screen opens,
        # signed in or not; reads data.products and data.categories.
        for client in (anon, me.client):
            data = invoke(client, "print-products", {})
            assert data["success"] is True and len(data["products"]) == 10, data
        # PrintProducts.tsx:311-360 — each card reads id, name, description, product_type, size,
        # elite_exclusive, base_price.toFixed(2), features.slice(0, 3); 416-421 and 454 the
        # customise modal reads shipping_estimate.toFixed(2) and personalization_fields.includes(…).
        for product in data["products"]:
            for field in ("id", "name", "description", "product_type", "size"):
                assert isinstance(product[field], str) and product[field], (field, product)
            assert isinstance(product["base_price"], (int, float)), product
            assert isinstance(product["shipping_estimate"], (int, float)), product
            assert isinstance(product["features"], list), product
            assert isinstance(product["personalization_fields"], list), product
            assert isinstance(product["elite_exclusive"], bool), product
        # PrintProducts.tsx:289-297 — a filter button per category: cat.id, cat.name, cat.count;
        # 191-193 filters products whose product_type is cat.id.
        categories = data["categories"]
        assert [c["id"] for c in categories] == ["pad", "cards", "poster", "sticker", "canvas", "bundle"], categories
        for category in categories:
            assert category["count"] == sum(1 for p in data["products"] if p["product_type"] == category["id"]), category
            assert isinstance(category["name"], str) and category["name"], category
        state["products"] = {p["prodigi_sku"]: p for p in data["products"]}

    check("PrintProducts' catalogue call (no action, empty body) answers products and categories", catalogue)
    if "products" not in state:
        return checks.summary()
    pad = state["products"]["GLOBAL-PAD-A5-50"]
    stickers = state["products"]["GLOBAL-STK-A4"]

    def content_to_customise_with():
        # Set up what the modal shows: a board of mine (REST, as the vision board screen saves it)
        # and a habit of mine.
        board = me.client.table("vision_boards").insert(
            {"prompt": "a cabin by the lake", "image_url": "https://images.example.com/cabin.png"}).execute().data[0]
        invoke(me.client, "habit-service?action=create", {"title": "Sketch for 10 minutes"})
        state["board"] = board["id"]
        # PrintProducts.tsx:132-139 — invoke('print-products', {body: {productId: product.id,
        # customization: {}}, headers}) when a card's Customize is clicked; reads data.contentData:
        # visions (433-444: id, image_url), habits (469-478: id, title), theme (488-494).
        data = as_the_app(me, {"productId": pad["id"], "customization": {}})
        content = data["contentData"]
        assert [(v["id"], v["image_url"]) for v in content["visions"]] == [(board["id"], board["image_url"])], content
        assert [h["title"] for h in content["habits"]] == ["Sketch for 10 minutes"], content
        assert all(isinstance(h["id"], str) for h in content["habits"]), content
        assert "theme" in content and content["theme"] is None, content
        assert data["product"]["id"] == pad["id"], data

    check("Customize (productId, empty customization, no action) answers the caller's contentData", content_to_customise_with)

    def order():
        # PrintProducts.tsx:436 — choosing a vision sets customization.visionImageId; the product's
        # personalization fields are filled (this catalogue's pad asks for a title and a tagline).
        customization = {"visionImageId": state["board"], "title": "My year", "tagline": "One page a day"}
        # PrintProducts.tsx:167-180 — invoke('print-products', {body: {productId, customization,
        # shippingAddress}, headers}); throws on response.error, else reads data.order.
        data = as_the_app(me, {"productId": pad["id"], "customization": customization, "shippingAddress": ADDRESS})
        order = data["order"]
        # PrintProducts.tsx:217-230 — the confirmation reads productName, id.slice(0, 8),
        # total.toFixed(2) and estimatedDelivery.
        assert order["productName"] == pad["name"], order
        assert isinstance(order["id"], str) and len(order["id"]) >= 8, order
        assert order["total"] == round(pad["base_price"] + pad["shipping_estimate"], 2), order
        assert isinstance(order["estimatedDelivery"], str) and len(order["estimatedDelivery"]) == 10, order
        assert order["status"] == "pending", order
        assert [b["id"] for b in order["content"]["vision_boards"]] == [state["board"]], order
        state["order"] = order["id"]

    check("Place Order (productId, customization, shippingAddress; no action) places the order the app confirms", order)

    def order_without_content():
        # PrintProducts.tsx:167-174 with a product that needs neither fields nor content, the
        # customization left as the modal starts it (393: setCustomization({})).
        data = as_the_app(me, {"productId": stickers["id"], "customization": {}, "shippingAddress": ADDRESS})
        assert data["order"]["productName"] == stickers["name"], data
        assert data["order"]["total"] == round(stickers["base_price"] + stickers["shipping_estimate"], 2), data

    check("Place Order of a product without personalisation, customization {}", order_without_content)

    def order_as_the_screen_sends_it():
        # PrintProducts.tsx:436 and 167-174 exactly: the screen collects no personalization
        # fields (it only shows a headline input for products listing `headline`), so the
        # customization holds the chosen vision alone; the fields are optional.
        data = as_the_app(me, {"productId": pad["id"], "customization": {"visionImageId": state["board"]}, "shippingAddress": ADDRESS})
        order = data["order"]
        assert order["productName"] == pad["name"] and order["customization"] == {}, order
        # PrintProducts.tsx:480-483: "These habits will be included" — an order naming no
        # habits includes the caller's active ones.
        assert [h["title"] for h in order["content"]["habits"]] == ["Sketch for 10 minutes"], order

    check("Place Order exactly as the screen sends it: the chosen vision, no fields; the caller's habits included", order_as_the_screen_sends_it)

    def malformed_customization_is_refused():
        # A refused order reaches the app as response.error (PrintProducts.tsx:176-178): a field
        # the product does not have, or an empty one, is a 400 in the error envelope.
        expect_http_error(lambda: as_the_app(me, {"productId": pad["id"], "customization": {"headline": "x"}, "shippingAddress": ADDRESS}),
                          400, "headline")
        expect_http_error(lambda: as_the_app(me, {"productId": pad["id"], "customization": {"title": " "}, "shippingAddress": ADDRESS}),
                          400, "title")

    check("a field the product does not have, or an empty one, is a 400 in the error envelope", malformed_customization_is_refused)

    # -- the attacker's side ----------------------------------------------------------------------

    def client_price_ignored():
        # The app never sends a price; a client that does is ignored: the catalogue prices it.
        data = as_the_app(other, {"productId": stickers["id"], "customization": {}, "shippingAddress": ADDRESS,
                                  "quantity": 3, "total": 0.01, "subtotal": 0.01, "base_price": 0.01,
                                  "price": 0.01, "discount": 99, "shipping": 0})
        assert data["order"]["total"] == round(3 * stickers["base_price"] + stickers["shipping_estimate"], 2), data
        assert data["order"]["discount"] == 0, data
        state["other_order"] = data["order"]["id"]

    check("a client-set price is ignored: the order is priced from the catalogue", client_price_ignored)

    def someone_elses_user_id():
        # A body naming another user is still the caller's order and the caller's content.
        data = as_the_app(other, {"productId": stickers["id"], "customization": {}, "shippingAddress": ADDRESS,
                                  "userId": me.id, "user_id": me.id})
        orders = invoke(me.client, "print-products?action=list_orders")["orders"]
        assert data["order"]["id"] not in [o["id"] for o in orders], orders
        peek = as_the_app(other, {"productId": pad["id"], "customization": {}, "userId": me.id})
        assert peek["contentData"]["visions"] == [] and peek["contentData"]["habits"] == [], peek

    check("a userId of someone else in the body is ignored (order and content are the caller's)", someone_elses_user_id)

    def someone_elses_board_and_order():
        expect_http_error(lambda: as_the_app(other, {
            "productId": pad["id"], "customization": {"visionImageId": state["board"], "title": "t", "tagline": "g"},
            "shippingAddress": ADDRESS}), 400, "not one of yours")
        expect_http_error(lambda: invoke(other.client, f"print-products?action=get_order&orderId={state['order']}", method="GET"), 404)
        expect_http_error(lambda: invoke(other.client, "print-products?action=cancel", {"orderId": state["order"]}), 404)
        mine = invoke(me.client, f"print-products?action=get_order&orderId={state['order']}", method="GET")
        assert mine["order"]["status"] == "pending", mine

    check("another user's board cannot be printed, nor their order read or cancelled", someone_elses_board_and_order)

    def anon_and_users_cannot_order_or_pay():
        expect_http_error(lambda: invoke(anon, "print-products", {"productId": stickers["id"], "shippingAddress": ADDRESS}), 401)
        expect_http_error(lambda: invoke(me.client, "print-products?action=advance", {"orderId": state["order"], "status": "paid"}), 403)
        paid = invoke(service, "print-products?action=advance", {"orderId": state["other_order"], "status": "paid"})
        assert paid["order"]["status"] == "paid", paid

    check("anon cannot order; only the server marks an order paid", anon_and_users_cannot_order_or_pay)

    def ambiguous_bodies_change_nothing():
        # A body with no action that is not unmistakably an order gets the catalogue.
        before = len(invoke(me.client, "print-products?action=list_orders")["orders"])
        for body in ({"shippingAddress": ADDRESS}, {"orderId": state["order"]}, {"customization": {"title": "x"}}):
            data = as_the_app(me, body)
            assert len(data["products"]) == 10 and "order" not in data, (body, data)
        assert len(invoke(me.client, "print-products?action=list_orders")["orders"]) == before

    check("bodies that are not unmistakably an order get the catalogue and place nothing", ambiguous_bodies_change_nothing)

    def poster_as_print_service_places_it():
        # printService.ts:63-78 — the poster order inserted pending, with the client's price and config;
        # then 83-120 — invoke('submit-to-prodigi', {body: {orderId, recipient, items}}) with its own SKU
        # and image URL; on failure it marks the order submitted with a made-up SIM- id (141-150).
        placed = me.client.table("poster_orders").insert({
            "user_id": me.id, "vision_board_id": state["board"], "shipping_address": ADDRESS,
            "print_config": {"sku": "GLOBAL-FAP-18x24", "size": "18x24", "finish": "matte", "quantity": 1},
            "total_price": 0.5, "discount_applied": True}).execute().data[0]
        payload = {"orderId": placed["id"],
                   "recipient": {"name": ADDRESS["name"], "address": {"line1": ADDRESS["line1"], "postalOrZipCode": ADDRESS["postalCode"],
                                                                       "countryCode": ADDRESS["country"], "townOrCity": ADDRESS["city"]}},
                   "items": [{"sku": "CHEAPEST-SKU", "copies": 100, "sizing": "fillPrintArea",
                              "assets": [{"url": "https://elsewhere.example.com/not-mine.png", "printArea": "default"}]}]}
        expect_http_error(lambda: invoke(me.client, "submit-to-prodigi", payload), 409, "paid")
        expect_http_error(lambda: invoke(other.client, "submit-to-prodigi", payload), 404)
        try:
            me.client.table("poster_orders").update({"vendor_order_id": "SIM-12345", "status": "submitted"}).eq("id", placed["id"]).execute()
            raise AssertionError("the app's own 'submitted' update was accepted")
        except AssertionError:
            raise
        except Exception:
            pass
        row = me.client.table("poster_orders").select("status,vendor_order_id,total_price").eq("id", placed["id"]).execute().data[0]
        assert row["status"] == "pending" and row["vendor_order_id"] is None and float(row["total_price"]) > 0.5, row

    check("the app's poster order is priced by the server, and submit-to-prodigi refuses it until it is paid", poster_as_print_service_places_it)

    def workbook_as_storage_service_orders_it():
        # storageService.ts:788-810 — invoke('generate-workbook-pdf?action=create_order', {body}) then
        # invoke('generate-workbook-pdf?action=generate', {body: {order_id}}); reads data.order and data.success.
        templates = invoke(me.client, "generate-workbook-pdf?action=get_templates", method="GET")["templates"]
        created = invoke(me.client, "generate-workbook-pdf?action=create_order", {
            "template_id": templates[0]["id"], "title": "My Vision Workbook", "subtitle": "2027", "cover_style": "classic",
            "include_weekly_journal": True, "include_habit_tracker": True, "vision_board_ids": [state["board"]],
            "included_habits": [], "shipping_address": ADDRESS})
        order = created["order"]
        assert order["status"] == "draft" and order["template"]["id"] == templates[0]["id"] and float(order["total_price"]) > 0, order
        generated = invoke(me.client, "generate-workbook-pdf?action=generate", {"order_id": order["id"]})
        assert generated["success"] is True and generated["status"] == "ready" and generated["sections_generated"] >= 9, generated
        # getWorkbookOrder: the order with its template and sections, straight from REST.
        read = me.client.table("workbook_orders").select("*, template:workbook_templates(*), sections:workbook_sections(*)") \
            .eq("id", order["id"]).eq("user_id", me.id).single().execute().data
        assert read["status"] == "ready" and len(read["sections"]) == generated["sections_generated"], read
        expect_http_error(lambda: invoke(other.client, "generate-workbook-pdf?action=generate", {"order_id": order["id"]}), 404)
        expect_http_error(lambda: invoke(me.client, "submit-to-prodigi", {"orderId": order["id"]}), 409)

    check("a workbook as the app orders and generates it; the printer waits for payment", workbook_as_storage_service_orders_it)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
