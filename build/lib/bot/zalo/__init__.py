"""Zalo Official Account: the channel most residents use. A thin adapter around the same
engine: signed webhooks in, OA API messages out, rotating OAuth tokens kept in the database."""
