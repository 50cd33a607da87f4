"""Publishing: the films of rendered scenes put on a store (S3, SFTP, WebDAV, a mounted share),
verified, recorded and resumable; links, QR codes and an index to share them."""

from render.publish.publisher import Published, publish_scene

__all__ = ["Published", "publish_scene"]
