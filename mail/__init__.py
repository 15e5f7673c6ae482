"""Mail: rendering the engine's notifications as plain text and sending mail by SMTP, for
the notification activity and the web console's sign-in links alike."""
