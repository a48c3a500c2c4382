"""Notifications: the outbox of outgoing messages and the channels that send them.

- outbox.py: `enqueue` / `OutboxMailer` queue a message in the caller's transaction; the worker's
  send-outbox job (`deliver_due`) sends it, retried with backoff, never twice.
- channels.py: mail built in; more (WhatsApp, SMS) by RUANG_CHANNELS.
- kinds.py: what members are told about; a new kind is one `kind(...)` line.
- preferences.py: members switch kinds off (not the required ones); `notify` queues a kind.
- booking_mail.py: the booking kinds' texts, in the member's language.
"""
