"""Citizens' photos on the web: taking them with a comment, and serving them.

* Up to three photos come with a comment: from the portal form (`photos`, multipart) or
  from `POST /api/v1/comments` as multipart/form-data with the comment's JSON object in
  the part `comment` and the files in parts named `photos`. They are checked and
  re-encoded (infrastructure/photos.py) and stored *before* the comment is recorded; a
  storage that does not answer is a 503 and nothing is recorded; a comment that is not
  recorded after all (refused, or a folded repeat) has its photos removed again.
* Staff see every photo of an item they may see: `/staff/comments/<no>/photos/<key>`
  (session) and `/api/v1/staff/comments/<no>/photos/<key>` (bearer token).
* The public sees a photo at `/photos/<key>` only once a reviewer has published it
  (`publish_photos`) and while its comment's reply is on the public listing; else 404.
"""

import json

from flask import Blueprint, Response, abort, current_app, request, url_for
from marshmallow import Schema, fields
from werkzeug.exceptions import ServiceUnavailable

from domain.comments import COMMENTS
from domain.comments.photos import MAX_PHOTOS, is_photo_key
from domain.errors import InvalidValueError, NotFoundError
from infrastructure.photos import TOO_LARGE, TOO_MANY, StorageUnavailable, megabytes

from .auth import current_actor, staff_required
from .extensions import runtime
from .jsonbody import check_json
from .schemas import PublicReplyOut

bp = Blueprint("photos", __name__)

FIELD = "photos"  # the form field / multipart part of the files
UNAVAILABLE = "照片暂时无法保存，请稍后重试（您填写的内容仍在下方）"
PUBLIC_CACHE = "public, max-age=300"
# The endpoints that take photos -> the text their other fields may hold: the portal form
# reads an over-long text so that it comes back with a clear error (web/comments/portal.py).
UPLOAD_ENDPOINTS = {"portal.new_comment": 32 * 1024 * 1024,
                    "comments_api.submit_comment": 1024 * 1024}


def init_app(app) -> None:
    """Raise the body limit for multipart bodies to the endpoints that take photos,
    before anything (CSRF, idempotency) reads the body: three photos at twice the limit
    each may come, so that a too-large photo gets a clear message rather than a bare 413.
    A JSON body keeps the site's limit."""

    @app.template_global()
    def photo_limits() -> dict:
        return {"count": MAX_PHOTOS, "mb": megabytes(runtime().settings.photo_max_bytes)}

    @app.before_request
    def allow_photo_uploads():
        text = UPLOAD_ENDPOINTS.get(request.endpoint)
        if request.method == "POST" and text and request.mimetype == "multipart/form-data":
            limit = 2 * MAX_PHOTOS * runtime().settings.photo_max_bytes + 2 * 1024 * 1024
            request.max_content_length = max(limit, text,
                                             current_app.config["MAX_CONTENT_LENGTH"])
            request.max_form_memory_size = max(request.max_form_memory_size or 0, text)


# --- taking photos with a comment ----------------------------------------------------

def uploaded() -> list[bytes]:
    """The files sent as `photos` (empty parts, as browsers send for no file, skipped);
    each read only up to just past the size limit."""
    limit = runtime().settings.photo_max_bytes
    if any(request.form.getlist(FIELD)):  # a part without a file name is not a file
        raise InvalidValueError("照片须以文件形式上传（multipart 部分须带 filename）", field=FIELD)
    files = [f for f in request.files.getlist(FIELD) if f.filename or f.content_length]
    if len(files) > MAX_PHOTOS:
        raise InvalidValueError(TOO_MANY, field=FIELD)
    uploads = []
    for number, f in enumerate(files, 1):
        data = f.stream.read(limit + 1)
        if len(data) > limit:
            raise InvalidValueError(TOO_LARGE.format(mb=megabytes(limit), n=number),
                                    field=FIELD)
        if data:
            uploads.append(data)
    return uploads


def api_comment_body() -> tuple[dict, list[bytes]]:
    """`POST /api/v1/comments`: a JSON body, or multipart with the JSON object in the part
    `comment` and up to three files in `photos`."""
    from .jsonbody import json_body
    if request.mimetype != "multipart/form-data":
        return json_body(), []
    text = request.form.get("comment")
    if text is None:
        abort(400, description="multipart 请求须在 comment 部分提供留言的 JSON 对象")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        abort(400, description="comment 部分须为 JSON 对象")
    problem = check_json(data)
    if problem:
        abort(400, description=problem)
    return data, uploaded()


def submit_comment(data: dict, uploads: list[bytes], **options) -> dict:
    """Check and store the photos, then record the comment with their references.

    InvalidValueError (field "photos") for a bad photo; StorageUnavailable when the
    storage does not answer — in both cases nothing is recorded."""
    rt = runtime()
    if not uploads:
        return rt.app.submit_comment(**data, **options)
    photos = rt.photos
    refs = photos.store(photos.prepare(uploads))
    try:
        created = rt.app.submit_comment(**data, photos=refs, **options)
    except BaseException:
        photos.discard(refs)
        raise
    if created["duplicate"]:
        photos.discard(refs)  # the first submission keeps its own photos
    return created


def unavailable() -> ServiceUnavailable:
    e = ServiceUnavailable(description=UNAVAILABLE)
    e.retry_after = 5
    return e


# --- where photos are seen ------------------------------------------------------------

def staff_photos(comment) -> list[dict]:
    """A comment's photos as staff see them (item page and staff API: its own URLs)."""
    endpoint = "photos.staff_photo_api" if request.path.startswith("/api/") \
        else "photos.staff_photo"
    return [{"key": p["key"], "number": i, "content_type": p["content_type"],
             "size": p["size"], "width": p["width"], "height": p["height"],
             "public": p["key"] in comment.public_photos,
             "url": url_for(endpoint, tracking_no=comment.tracking_no, key=p["key"])}
            for i, p in enumerate(comment.photos, 1)]


def public_photos(tracking_no: str) -> list[dict]:
    """The published photos of a public reply (the caller has checked it is public)."""
    return [{"url": url_for("photos.public_photo", key=row["photo_key"]),
             "width": row["width"], "height": row["height"],
             "content_type": row["content_type"]}
            for row in runtime().queries.published_photos(tracking_no)]


class PhotoOut(Schema):
    url = fields.String(metadata={"description": "照片地址（/photos/<key>）"})
    width = fields.Integer()
    height = fields.Integer()
    content_type = fields.String()


class PublicReplyDetailOut(PublicReplyOut):
    photos = fields.List(fields.Nested(PhotoOut), metadata={
        "description": "审核人员公开的照片（去除全部元数据）"})


# --- serving ----------------------------------------------------------------------------

def _photo_response(key: str, content_type: str, sha256: str, cache: str) -> Response:
    try:
        data = runtime().photos.read(key)
    except KeyError:
        current_app.logger.warning("photo %s is recorded but not in the storage", key)
        raise NotFoundError("照片不存在") from None
    except StorageUnavailable as e:
        current_app.logger.warning("photo storage unavailable: %s", e)
        raise unavailable() from None
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{key}.jpg"'
    response.set_etag(sha256)
    return response.make_conditional(request)


@bp.get("/photos/<key>")
def public_photo(key: str):
    """A published photo of a public reply; anything else is a 404 (never a 403, so
    keys of unpublished photos cannot be told from keys that do not exist)."""
    row = runtime().queries.public_photo(key) if is_photo_key(key) else None
    if row is None:
        raise NotFoundError("照片不存在或未公开")
    return _photo_response(key, row["content_type"], row["sha256"], PUBLIC_CACHE)


@bp.get("/staff/comments/<tracking_no>/photos/<key>")
@bp.get("/api/v1/staff/comments/<tracking_no>/photos/<key>", endpoint="staff_photo_api")
@staff_required()
def staff_photo(tracking_no: str, key: str):
    """Any photo of a comment the signed-in member may see (handlers: their department's)."""
    comment = runtime().app.get_item(COMMENTS.kind, tracking_no)
    COMMENTS.require_visible(comment, current_actor())
    photo = next((p for p in comment.photos if p["key"] == key), None)
    if photo is None:
        raise NotFoundError("照片不存在")
    return _photo_response(key, photo["content_type"], photo["sha256"], "private, no-store")


def own_photos(comment) -> list[dict]:
    """The photos a citizen sent with the comment, as the follow page shows them to the
    session that showed its query code (all of them, published or not, never to others)."""
    return [{"url": url_for("photos.own_photo", tracking_no=comment.tracking_no,
                            key=p["key"]),
             "width": p["width"], "height": p["height"],
             "public": p["key"] in comment.public_photos}
            for p in comment.photos]


@bp.get("/follow/<tracking_no>/photos/<key>")
def own_photo(tracking_no: str, key: str):
    """One of the citizen's own photos, for the session that showed the comment's current
    query code (web/comments/citizen.py); anyone else gets a 404, as for a key that does
    not exist."""
    from .comments.citizen import session_comment
    comment = session_comment(tracking_no) if is_photo_key(key) else None
    photo = next((p for p in comment.photos if p["key"] == key), None) if comment else None
    if photo is None:
        raise NotFoundError("照片不存在")
    return _photo_response(key, photo["content_type"], photo["sha256"], "private, no-store")


# --- the OpenAPI document ------------------------------------------------------------

def document(doc: dict) -> dict:
    """Add the photo parts to the OpenAPI document (web/openapi.py)."""
    post = doc["paths"]["/api/v1/comments"]["post"]
    body = post["requestBody"]["content"]
    post["description"] = (
        f"留言可附最多 {MAX_PHOTOS} 张照片（JPEG、PNG 或 WebP，每张不超过 PHOTO_MAX_BYTES）："
        "以 multipart/form-data 提交，comment 部分为与 JSON 请求体相同的留言对象，"
        "photos 部分为照片文件（可重复）。照片经重新编码，去除 EXIF、GPS 位置等全部元数据，"
        "审核人员公开前仅工作人员可见。")
    body["multipart/form-data"] = {"schema": {
        "type": "object", "required": ["comment"],
        "properties": {
            "comment": {"type": "string", "description": "留言的 JSON 对象（同 application/json 请求体）"},
            "photos": {"type": "array", "maxItems": MAX_PHOTOS,
                       "items": {"type": "string", "format": "binary"}}}},
        "encoding": {"comment": {"contentType": "application/json"}}}
    image = {"200": {"description": "照片（JPEG）", "content": {
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
        "4XX": {"description": "错误：JSON `{error: {code, message, details}}`"}}
    path_params = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                   for name in ("tracking_no", "key")]
    doc["paths"]["/api/v1/staff/comments/{tracking_no}/photos/{key}"] = {"get": {
        "summary": "留言所附照片（工作人员，含未公开的）", "parameters": path_params,
        "responses": image, "security": [{"bearer": []}]}}
    doc["paths"]["/photos/{key}"] = {"get": {
        "summary": "已公开的照片（审核人员公开且答复已公开时；否则 404）",
        "parameters": path_params[1:], "responses": image}}
    return doc
