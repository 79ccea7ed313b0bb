"""One module per taxonomy item, each defining `RULE` with `item_id` and `check`."""
