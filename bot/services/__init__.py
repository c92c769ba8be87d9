"""Application services without Telegram: the BotService facade and the parts it wires (never imports telegram)."""
