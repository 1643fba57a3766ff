"""What the register tells other features. A feature that keeps something only a current
member of the co-operative may have (a ballot in a vote only members may cast) connects a
receiver to `ceased` and takes it out in the same transaction, so the register never
imports those features."""

from blinker import Namespace

_signals = Namespace()

# Sent as a membership ends, inside the transaction that ends it, with the member's account
# id as the sender (none is sent for a member who has no account: they cast no ballots).
ceased = _signals.signal("membership-ceased")
