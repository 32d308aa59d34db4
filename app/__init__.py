"""The application shell: settings, the composition root that wires storage, integrations, jobs and both
front ends (Telegram and the web), the CLI and the process lifecycle. The only package that imports them all."""
