"""No image processing in the test shop: its products have no pictures, only Oscar's placeholder."""

from types import SimpleNamespace

from django.conf import settings


class NoThumbnails:
    """Oscar's thumbnailer interface without a thumbnail library (the products have no images)."""

    def generate_thumbnail(self, source, **opts):
        return SimpleNamespace(url=f"{settings.STATIC_URL}oscar/img/image_not_found.jpg")

    def delete_thumbnails(self, source):
        return None
