"""Giving online: a donor declares who they are, then pays on Stripe Checkout's hosted page
(the platform never sees a card number); Stripe's signed webhooks say the money arrived, and
each payment becomes a gift in the treasurer's ledger, exactly once.

Threat model (docs/donations.md, "Card gifts"): a forged or altered webhook fails its
signature (Stripe's HMAC-SHA256 scheme, checked by Stripe's own library); a replayed one is
refused outside five minutes of its signing time and, inside them, recognised by its event id
and changes nothing; events arriving twice, late or out of order change a checkout only
forwards; every change is written in the same transaction as the event's record."""
