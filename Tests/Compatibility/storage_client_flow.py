"""Drives the official Supabase Python client (supabase-py / storage3) through /storage/v1.

Usage: python storage_client_flow.py <API URL> <anon key> <service_role key>

Covers the storage items of the conformance checklist (docs/wire-compatibility.md, items
35-44): bucket CRUD with the service key, uploads (multipart, as storage3 sends them) with upsert
and update, downloads, public URLs, info/exists, list, remove, move, copy, signed download and
upload URLs, and the refusals (duplicates, RLS, expired and misplaced tokens). Users sign up
through the client's auth API and use storage as themselves, so the client's own request
building and response parsing are what is tested.

One line per check, then `N passed, M failed`; the exit status is 0 only when every check passed.
"""

import sys
import time
import uuid

import httpx
from storage3.exceptions import StorageApiError
from supabase import create_client

import flow_checks

PASSWORD = "correct-horse-battery"


def expect_storage_error(call, status, code=None):
    """Runs `call`, which must raise StorageApiError with this statusCode (and error code)."""
    try:
        result = call()
    except StorageApiError as error:
        assert str(error.status) == status, f"expected statusCode {status}, got {error.status} ({error.code}: {error.message})"
        if code is not None:
            assert error.code == code, f"expected error {code!r}, got {error.code!r} ({error.message})"
        return error
    raise AssertionError(f"expected StorageApiError {status}, but the call returned {result!r}"[:400])


def unique_email(label):
    return flow_checks.unique_email("py-storage", label)


checks = flow_checks.Checks()
check = checks.run


def main():
    if len(sys.argv) != 4:
        print("usage: storage_client_flow.py <API URL> <anon key> <service_role key>", file=sys.stderr)
        return 2
    url, anon_key, service_key = sys.argv[1:4]
    state = {}
    bucket = f"py-{uuid.uuid4().hex[:8]}"
    public_bucket = f"py-public-{uuid.uuid4().hex[:8]}"

    def clients():
        state["service"] = create_client(url, service_key)
        state["anon"] = create_client(url, anon_key)
        for label in ("a", "b"):
            client = create_client(url, anon_key)
            response = client.auth.sign_up({"email": unique_email(label), "password": PASSWORD})
            assert response.session is not None, f"user {label}: sign_up returned no session"
            state[label] = client
            state[f"{label}_id"] = response.user.id

    check("clients: service_role, anon and two signed-up users", clients)
    service = state["service"].storage
    a = state["a"].storage
    b = state["b"].storage
    anon = state["anon"].storage
    a_id = state["a_id"]

    # -- 35: buckets with the service key -----------------------------------------------------------

    def create_buckets():
        created = service.create_bucket(bucket, options={"public": False, "file_size_limit": "1MB"})
        assert created == {"name": bucket}, f"create_bucket returned {created!r}"
        assert service.create_bucket(public_bucket, options={"public": True}) == {"name": public_bucket}

    check("35 create_bucket answers {name}", create_buckets)

    def get_and_list():
        got = service.get_bucket(bucket)
        assert got.id == bucket and got.owner == "" and got.public is False, f"{got!r}"
        assert got.file_size_limit == 1024 * 1024, f"file_size_limit {got.file_size_limit!r}"
        ids = {item.id for item in service.list_buckets()}
        assert {bucket, public_bucket, "visions", "references", "documents", "workbooks"} <= ids, f"{ids!r}"

    check("35 get_bucket and list_buckets parse into Bucket models", get_and_list)

    check("35 creating a bucket twice: statusCode 409 Duplicate",
          lambda: expect_storage_error(lambda: service.create_bucket(bucket), "409", "Duplicate"))

    def update_bucket():
        answer = service.update_bucket(bucket, {"public": False, "allowed_mime_types": ["text/*", "image/png"]})
        assert "message" in answer, f"{answer!r}"
        assert service.get_bucket(bucket).allowed_mime_types == ["text/*", "image/png"]

    check("35 update_bucket answers a message and changes the bucket", update_bucket)

    def empty_and_delete():
        scratch = f"py-scratch-{uuid.uuid4().hex[:8]}"
        service.create_bucket(scratch)
        service.from_(scratch).upload("x/file.txt", b"x")
        expect_storage_error(lambda: service.delete_bucket(scratch), "409")
        assert "message" in service.empty_bucket(scratch)
        assert "message" in service.delete_bucket(scratch)
        expect_storage_error(lambda: service.get_bucket(scratch), "404")

    check("35 empty_bucket, delete_bucket (409 while not empty)", empty_and_delete)

    # -- 36/37: uploads ------------------------------------------------------------------------------

    note = f"{a_id}/notes/hello.txt"

    def upload():
        response = a.from_("documents").upload(note, b"hello storage")
        assert response.full_path == f"documents/{note}", f"Key {response.full_path!r}"
        assert response.path == note

    check("36 upload (multipart file part) answers Key = bucket/path", upload)

    def upload_typed():
        a.from_("visions").upload(f"{a_id}/board.png", b"\x89PNG fake", {"content-type": "image/png"})
        data = a.from_("visions").download(f"{a_id}/board.png")
        assert data == b"\x89PNG fake", f"{data!r}"

    check("36 upload with a content type; download returns the bytes", upload_typed)

    def stored_headers():
        signed = a.from_("documents").create_signed_url(note, 60)
        response = httpx.get(signed["signedURL"])
        assert response.status_code == 200, response.text
        assert response.content == b"hello storage"
        assert response.headers["content-type"] == "text/plain;charset=UTF-8", response.headers
        assert response.headers["cache-control"] == "max-age=3600", response.headers

    check("36 stored MIME type and Cache-Control: max-age=3600", stored_headers)

    check("37 a second upload to the same key: statusCode 409 Duplicate",
          lambda: expect_storage_error(lambda: a.from_("documents").upload(note, b"again"), "409", "Duplicate"))

    def upsert_and_update():
        a.from_("documents").upload(note, b"upserted", {"upsert": "true"})
        assert a.from_("documents").download(note) == b"upserted"
        a.from_("documents").update(note, b"updated")
        assert a.from_("documents").download(note) == b"updated"

    check("37 x-upsert overwrites, update (PUT) overwrites", upsert_and_update)

    # -- 38: downloads and public URLs ---------------------------------------------------------------

    def public_url():
        service.from_(public_bucket).upload("shared/logo.txt", b"public bytes")
        link = anon.from_(public_bucket).get_public_url("shared/logo.txt")
        assert link == f"{url}/storage/v1/object/public/{public_bucket}/shared/logo.txt", link
        response = httpx.get(link)
        assert response.status_code == 200 and response.content == b"public bytes", response.text
        attachment = httpx.get(anon.from_(public_bucket).get_public_url("shared/logo.txt", {"download": True}))
        assert attachment.headers.get("content-disposition", "").startswith("attachment"), attachment.headers

    check("38 public bucket readable through get_public_url without auth", public_url)

    def private_public_url():
        response = httpx.get(anon.from_("documents").get_public_url(note))
        assert response.status_code == 400, response.status_code
        body = response.json()
        assert body["statusCode"] == "404" and body["error"] == "Bucket not found", body

    check("38 private bucket through the public route: 400 with statusCode 404 Bucket not found", private_public_url)

    def download_options():
        data = a.from_("documents").download(note, query_params={"download": "copy.txt"})
        assert data == b"updated"

    check("38 authenticated download with ?download", download_options)

    # -- 39: info and exists -------------------------------------------------------------------------

    def info_exists():
        info = a.from_("documents").info(note)
        assert info["size"] == len(b"updated") and info["bucket_id"] == "documents", info
        assert a.from_("documents").exists(note) is True
        assert a.from_("documents").exists(f"{a_id}/missing.txt") is False
        expect_storage_error(lambda: a.from_("documents").info(f"{a_id}/missing.txt"), "404", "not_found")

    check("39 info, exists true/false, missing info: statusCode 404 not_found", info_exists)

    # -- 40: list ------------------------------------------------------------------------------------

    def listing():
        for name in ("b.txt", "a.txt", "sub/c.txt"):
            a.from_("documents").upload(f"{a_id}/dir/{name}", name.encode())
        entries = a.from_("documents").list(f"{a_id}/dir", {"limit": 10, "offset": 0, "sortBy": {"column": "name", "order": "asc"}})
        names = [entry["name"] for entry in entries]
        assert names == ["a.txt", "b.txt", "sub"], names
        folder = entries[2]
        assert folder["id"] is None and folder["metadata"] is None, folder
        assert entries[0]["metadata"]["size"] == 5, entries[0]
        searched = a.from_("documents").list(f"{a_id}/dir", {"search": "B"})
        assert [entry["name"] for entry in searched] == ["b.txt"], searched
        paged = a.from_("documents").list(f"{a_id}/dir", {"limit": 1, "offset": 1})
        assert [entry["name"] for entry in paged] == ["b.txt"], paged

    check("40 list: direct children, relative names, folder entries, search, paging", listing)

    # -- 41: remove, move, copy ----------------------------------------------------------------------

    def remove():
        removed = a.from_("documents").remove([f"{a_id}/dir/a.txt", f"{a_id}/dir/none.txt"])
        assert [row["name"] for row in removed] == [f"{a_id}/dir/a.txt"], removed
        assert a.from_("documents").exists(f"{a_id}/dir/a.txt") is False

    check("41 remove returns the deleted rows, skips unknown keys", remove)

    def move_copy():
        a.from_("documents").move(f"{a_id}/dir/b.txt", f"{a_id}/moved/b.txt")
        assert a.from_("documents").download(f"{a_id}/moved/b.txt") == b"b.txt"
        copied = a.from_("documents").copy(f"{a_id}/moved/b.txt", f"{a_id}/copy/b.txt")
        assert copied.get("Key") == f"documents/{a_id}/copy/b.txt", copied
        assert a.from_("documents").download(f"{a_id}/copy/b.txt") == b"b.txt"

    check("41 move and copy within a bucket", move_copy)

    # -- 42/43: signed URLs --------------------------------------------------------------------------

    def signed_urls():
        # Long enough to download on a loaded machine, short enough to wait out.
        signed = a.from_("documents").create_signed_url(f"{a_id}/copy/b.txt", 4)
        link = signed["signedURL"]
        assert link.startswith(f"{url}/storage/v1/object/sign/documents/"), link
        assert httpx.get(link).content == b"b.txt"
        elsewhere = link.replace("/copy/b.txt", "/moved/b.txt")
        body = httpx.get(elsewhere).json()
        assert body["statusCode"] == "400" and body["error"] == "InvalidSignature", body
        time.sleep(5.1)
        body = httpx.get(link).json()
        assert body["statusCode"] == "400" and body["error"] == "InvalidJWT", body

    check("42 create_signed_url (string expiresIn) downloads until expiry; then InvalidJWT; other path fails", signed_urls)

    def signed_many():
        items = a.from_("documents").create_signed_urls([f"{a_id}/copy/b.txt", f"{a_id}/nope.txt"], 60)
        assert items[0]["error"] is None and items[0]["signedURL"].startswith(url), items
        assert isinstance(items[1]["error"], str) and items[1]["signedURL"] is None, items

    check("42 create_signed_urls marks missing paths with an error", signed_many)

    def signed_upload():
        path = f"{a_id}/signed/upload.txt"
        created = a.from_("documents").create_signed_upload_url(path)
        stored = anon.from_("documents").upload_to_signed_url(path, created["token"], b"via signed url")
        assert stored.full_path == f"documents/{path}", stored
        assert a.from_("documents").download(path) == b"via signed url"

    check("43 create_signed_upload_url + upload_to_signed_url store without a bearer", signed_upload)

    # -- 44: RLS from the attacker's side ------------------------------------------------------------

    def anon_upload():
        error = expect_storage_error(lambda: anon.from_("documents").upload(f"{a_id}/anon.txt", b"x"), "403", "Unauthorized")
        assert "row-level security" in error.message, error.message

    check("44 anon upload into a private bucket: statusCode 403, row-level security", anon_upload)

    def other_user():
        expect_storage_error(lambda: b.from_("documents").upload(note, b"x", {"upsert": "true"}), "403")
        expect_storage_error(lambda: b.from_("documents").download(note), "404")
        assert b.from_("documents").exists(note) is False
        assert b.from_("documents").remove([note]) == []
        assert a.from_("documents").download(note) == b"updated"

    check("44 another user can neither overwrite, read nor delete a user's objects", other_user)

    def limits():
        expect_storage_error(lambda: service.from_(bucket).upload("x/big.txt", b"x" * (1024 * 1024 + 1)), "413")
        expect_storage_error(lambda: service.from_(bucket).upload("x/a.pdf", b"%PDF", {"content-type": "application/pdf"}), "415")

    check("bucket limits: 413 too large, 415 MIME type refused", limits)

    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
