"""The mail the engine sends: one plain-text template per notification kind."""
