"""Which photo belongs to which comment, and whether a reviewer has published it.

The public photo route (`/photos/<key>`) finds a photo here by its key and serves it only
when it is published and its comment's reply is on the public listing (`pub_replies`,
`visible = 1`): withholding the item hides its photos too. Rows hold references only —
the files are in the photo storage, encrypted.
"""

from domain.comments import Comment

from ..queries import QueryBase
from .base import CommentReadModel


class CommentPhotos(CommentReadModel):
    """One row per attached photo: key, comment, order, dimensions, published flag."""

    name = "comment_photos"
    table = "comment_photos"
    tables = {
        "comment_photos": """
            photo_key TEXT PRIMARY KEY, id TEXT NOT NULL, tracking_no TEXT NOT NULL,
            position INTEGER NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL,
            width INTEGER NOT NULL, height INTEGER NOT NULL, sha256 TEXT NOT NULL,
            published INTEGER NOT NULL DEFAULT 0""",
    }
    indexes = (("comment_photos", "tracking", "(tracking_no, position)"),)
    handlers = {Comment.PhotosAttached: "attached", Comment.PhotosPublished: "published",
                Comment.PhotoWithheld: "withheld"}

    def attached(self, e, emit):
        for position, photo in enumerate(e.photos, 1):
            emit("INSERT INTO comment_photos (photo_key, id, tracking_no, position, "
                 "content_type, size, width, height, sha256) VALUES (:k, :id, :t, :p, :ct, "
                 ":size, :w, :h, :sha)",
                 {"k": photo["key"], "id": e.originator_id.hex, "t": e.tracking_no,
                  "p": position, "ct": photo["content_type"], "size": photo["size"],
                  "w": photo["width"], "h": photo["height"], "sha": photo["sha256"]})

    def published(self, e, emit):
        for key in e.photos:
            emit("UPDATE comment_photos SET published = 1 WHERE photo_key = :k", {"k": key})

    def withheld(self, e, emit):
        emit("UPDATE comment_photos SET published = 0 WHERE photo_key = :k", {"k": e.photo})


class PhotoQueries(QueryBase):
    """Photos for the public pages and the public photo route."""

    PHOTO_COLUMNS = "photo_key, tracking_no, position, content_type, size, width, height, sha256"

    def public_photo(self, key: str) -> dict | None:
        """A photo the public may see: published, and its comment's reply is public."""
        rows = self.store.query(
            f"SELECT {self.PHOTO_COLUMNS} FROM comment_photos p WHERE p.photo_key = :k "
            "AND p.published = 1 AND EXISTS (SELECT 1 FROM pub_replies r "
            "WHERE r.tracking_no = p.tracking_no AND r.visible = 1)", {"k": key})
        return rows[0] if rows else None

    def published_photos(self, tracking_no: str) -> list[dict]:
        """The published photos of one comment, in the order the citizen gave them
        (callers show them only with a public reply)."""
        return self.store.query(
            f"SELECT {self.PHOTO_COLUMNS} FROM comment_photos WHERE tracking_no = :t "
            "AND published = 1 ORDER BY position", {"t": tracking_no})
