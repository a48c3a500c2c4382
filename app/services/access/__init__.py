"""Access: the access decision, passes, signing keys, pass pages and QR images."""
