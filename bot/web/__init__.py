"""The dashboard's web server (a Telegram Mini App): its signed-init-data check, JSON API and static page."""
