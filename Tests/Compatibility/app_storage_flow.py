"""The app's storage calls, replayed: board and reference images in the public `visions` bucket
under the paths the app chooses, shown by their public URL; documents in the private `documents`
bucket; workbooks the server writes into the private `workbooks` bucket. Then the attacker's
side: ownership follows the object's owner, not its path.

Usage: python app_storage_flow.py <API URL> <anon key> <service_role key>
"""

import sys
import time
import uuid

import httpx
from storage3.exceptions import StorageApiError
from supabase import create_client

import app_replay
import flow_checks

PNG = b"\x89PNG\r\n\x1a\n fake board"
JPEG = b"\xff\xd8\xff fake photo"


def expect_storage_error(call, statuses):
    """Runs `call`, which must raise StorageApiError with one of these statusCodes."""
    try:
        result = call()
    except StorageApiError as error:
        assert str(error.status) in statuses, f"expected statusCode in {statuses}, got {error.status} ({error.code}: {error.message})"
        return error
    raise AssertionError(f"expected StorageApiError {statuses}, but the call returned {result!r}"[:400])


checks = flow_checks.Checks()
check = checks.run


def main():
    url, anon_key, service_key = app_replay.arguments("app_storage_flow.py")
    state = {}

    def users():
        state["a"] = app_replay.User(url, anon_key, "a", prefix="app-storage")
        state["b"] = app_replay.User(url, anon_key, "b", prefix="app-storage")
        state["anon"] = create_client(url, anon_key)
        state["service"] = create_client(url, service_key)

    check("two users sign up; anon and service_role clients", users)
    if "service" not in state:
        return checks.summary()
    a, b, anon, service = state["a"], state["b"], state["anon"], state["service"]

    # services/storageService.ts saveVisionImage: `${image.id}.png`, image/png, upsert; the
    # board row keeps the public URL; getVisionGallery reads it back.
    def save_vision_image():
        board = str(uuid.uuid4())
        name = f"{board}.png"
        a.client.storage.from_("visions").upload(name, PNG, {"content-type": "image/png", "upsert": "true"})
        public_url = a.client.storage.from_("visions").get_public_url(name)
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        a.client.table("vision_boards").insert([{
            "id": board, "prompt": "A house by the sea", "image_url": public_url,
            "created_at": created, "is_favorite": False,
        }]).execute()
        gallery = a.client.table("vision_boards").select("*").order("created_at", desc=True).execute().data
        row = next(r for r in gallery if r["id"] == board)
        assert row["image_url"] == public_url and row["prompt"] == "A house by the sea" and row["is_favorite"] is False, row
        # Shared on social media: the public URL answers anyone, without a token.
        response = httpx.get(public_url)
        assert response.status_code == 200 and response.content == PNG, (response.status_code, response.text[:200])
        state["board"] = board

    check("saveVisionImage: {id}.png in visions, public URL in vision_boards, readable by anyone", save_vision_image)

    # services/storageService.ts saveReferenceImage: `ref_${id}.png`, image/png, upsert, then
    # a reference_images row with the public URL; getReferenceLibrary reads it back.
    def save_reference_image():
        ref = str(uuid.uuid4())
        name = f"ref_{ref}.png"
        a.client.storage.from_("visions").upload(name, PNG, {"content-type": "image/png", "upsert": "true"})
        public_url = a.client.storage.from_("visions").get_public_url(name)
        a.client.table("reference_images").insert([{
            "id": ref, "image_url": public_url, "tags": ["me"], "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }]).execute()
        library = a.client.table("reference_images").select("*").order("created_at", desc=True).execute().data
        row = next(r for r in library if r["id"] == ref)
        assert row["image_url"] == public_url and row["tags"] == ["me"], row
        assert httpx.get(public_url).content == PNG
        state["ref"] = ref

    check("saveReferenceImage: ref_{id}.png in visions and its reference_images row", save_reference_image)

    # App.tsx (generated board): `visions/${session.user.id}/${Date.now()}.png`, upsert, no type.
    def generated_board_path():
        name = f"visions/{a.id}/{int(time.time() * 1000)}.png"
        a.client.storage.from_("visions").upload(name, PNG, {"upsert": "true"})
        assert httpx.get(a.client.storage.from_("visions").get_public_url(name)).content == PNG

    check("App.tsx: visions/{uid}/{ts}.png uploaded and public", generated_board_path)

    # App.tsx uploadPhoto: `references/${Date.now()}-${file.name}`, upsert; the reference row
    # is inserted with .select().single() and its id used.
    def upload_photo():
        name = f"references/{int(time.time() * 1000)}-holiday photo.jpg"
        a.client.storage.from_("visions").upload(name, JPEG, {"upsert": "true"})
        public_url = a.client.storage.from_("visions").get_public_url(name)
        # supabase-py answers the inserted row (return=representation) as supabase-js's
        # .select().single() does.
        data = a.client.table("reference_images").insert({"image_url": public_url, "tags": ["onboarding", "reference"]}).execute().data[0]
        assert data["id"] and data["image_url"] == public_url and data["user_id"] == a.id, data
        assert httpx.get(public_url).content == JPEG

    check("App.tsx uploadPhoto: references/{ts}-{name} and the reference row's id", upload_photo)

    # components/onboarding/PhotoUploadStep.tsx: `references/${user.id}-${Date.now()}.jpg`,
    # image/jpeg, upsert; the row names user_id itself.
    def onboarding_photo():
        name = f"references/{a.id}-{int(time.time() * 1000)}.jpg"
        a.client.storage.from_("visions").upload(name, JPEG, {"content-type": "image/jpeg", "upsert": "true"})
        public_url = a.client.storage.from_("visions").get_public_url(name)
        row = a.client.table("reference_images").insert(
            {"user_id": a.id, "image_url": public_url, "tags": ["onboarding", "self-reference"]}).execute().data[0]
        assert row["user_id"] == a.id and row["tags"] == ["onboarding", "self-reference"], row
        info = a.client.storage.from_("visions").info(name)
        assert info["content_type"] == "image/jpeg" or info.get("metadata", {}).get("mimetype") == "image/jpeg", info

    check("PhotoUploadStep: references/{uid}-{ts}.jpg as image/jpeg with its reference row", onboarding_photo)

    # services/storageService.ts saveDocument: `${id}_${file.name}` in documents, upsert; the row
    # keeps getPublicUrl's URL. documents stays private on purpose: that URL does not serve the
    # file; the owner reads it with their token or a signed URL.
    def save_document():
        doc = str(uuid.uuid4())
        name = f"{doc}_bank statement.pdf"
        a.client.storage.from_("documents").upload(name, b"%PDF-1.4 statement", {"upsert": "true"})
        public_url = a.client.storage.from_("documents").get_public_url(name)
        a.client.table("documents").insert([{
            "id": doc, "name": "bank statement.pdf", "url": public_url, "type": "UPLOAD",
            "structured_data": {}, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }]).execute()
        rows = a.client.table("documents").select("*").order("created_at", desc=True).execute().data
        row = next(r for r in rows if r["id"] == doc)
        assert row["name"] == "bank statement.pdf" and row["url"] == public_url and row["structured_data"] == {}, row
        assert httpx.get(public_url).status_code == 400, "a private bucket's public URL serves nothing"
        assert a.client.storage.from_("documents").download(name) == b"%PDF-1.4 statement"
        signed = a.client.storage.from_("documents").create_signed_url(name, 60)
        assert httpx.get(signed["signedURL"]).content == b"%PDF-1.4 statement"
        state["document"] = name

    check("saveDocument: {id}_{name} in documents, private: token or signed URL, never the public URL", save_document)

    # The workbook PDF is written by the server under `{orderId}/final_workbook.pdf`; the buyer
    # gets it through a signed URL the server makes.
    def workbook():
        order = str(uuid.uuid4())
        name = f"{order}/final_workbook.pdf"
        service.storage.from_("workbooks").upload(name, b"%PDF-1.7 workbook", {"content-type": "application/pdf"})
        signed = service.storage.from_("workbooks").create_signed_url(name, 60)
        assert httpx.get(signed["signedURL"]).content == b"%PDF-1.7 workbook"
        expect_storage_error(lambda: a.client.storage.from_("workbooks").download(name), {"404"})
        assert httpx.get(a.client.storage.from_("workbooks").get_public_url(name)).status_code == 400

    check("workbooks: {orderId}/final_workbook.pdf by the server, read by a signed URL only", workbook)

    # -- the attacker's side ------------------------------------------------------------------------

    def other_user_cannot_touch():
        board_name = f"{state['board']}.png"
        # Not overwrite (the app's upsert), not remove, not move.
        expect_storage_error(lambda: b.client.storage.from_("visions").upload(board_name, b"defaced", {"upsert": "true"}), {"403"})
        expect_storage_error(lambda: b.client.storage.from_("visions").upload(board_name, b"defaced"), {"409", "403"})
        assert b.client.storage.from_("visions").remove([board_name]) == []
        expect_storage_error(lambda: b.client.storage.from_("visions").move(board_name, "stolen.png"), {"404", "403"})
        assert httpx.get(a.client.storage.from_("visions").get_public_url(board_name)).content == PNG
        # A private document stays private through every endpoint.
        document = state["document"]
        expect_storage_error(lambda: b.client.storage.from_("documents").download(document), {"404"})
        assert b.client.storage.from_("documents").exists(document) is False
        expect_storage_error(lambda: b.client.storage.from_("documents").create_signed_url(document, 60), {"404"})
        expect_storage_error(lambda: b.client.storage.from_("documents").copy(document, "copied.pdf"), {"404", "403"})
        assert b.client.storage.from_("documents").list() == [] or all(
            entry["name"] != document for entry in b.client.storage.from_("documents").list())
        assert b.client.storage.from_("documents").remove([document]) == []
        assert a.client.storage.from_("documents").download(document) == b"%PDF-1.4 statement"

    check("another user cannot overwrite, remove or move a board, nor read, sign, copy or remove a document", other_user_cannot_touch)

    def anon_writes_nothing():
        expect_storage_error(lambda: anon.storage.from_("visions").upload(f"anon-{uuid.uuid4()}.png", PNG, {"upsert": "true"}), {"403"})
        expect_storage_error(lambda: anon.storage.from_("documents").download(state["document"]), {"400", "404", "403"})
        try:
            removed = anon.storage.from_("visions").remove([f"{state['board']}.png"])
        except StorageApiError as error:
            assert str(error.status) == "403", error
        else:
            assert removed == [], removed
        assert httpx.get(a.client.storage.from_("visions").get_public_url(f"{state['board']}.png")).content == PNG

    check("anon uploads nothing and removes nothing", anon_writes_nothing)

    # services/storageService.ts deleteVisionImage / deleteReferenceImage: the owner removes the
    # image by its name, then the row.
    def owner_deletes():
        board_name = f"{state['board']}.png"
        removed = a.client.storage.from_("visions").remove([board_name])
        assert [entry["name"] for entry in removed] == [board_name], removed
        a.client.table("vision_boards").delete().eq("id", state["board"]).execute()
        assert httpx.get(a.client.storage.from_("visions").get_public_url(board_name)).status_code in (400, 404)
        removed = a.client.storage.from_("visions").remove([f"ref_{state['ref']}.png"])
        assert len(removed) == 1, removed
        a.client.table("reference_images").delete().eq("id", state["ref"]).execute()

    check("deleteVisionImage / deleteReferenceImage: the owner removes the image, then the row", owner_deletes)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
