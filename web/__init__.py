"""Every HTTP surface but Telegram's own webhook: Stripe's and Agora's webhooks, the join page and presence, the
health check. Its handlers only call use cases and render their answers."""
