"""Telegram building blocks: context types, views, buttons, jobs, the durable inbox, send limits, retries."""
