from __future__ import annotations

from guardrails.cli import main

if __name__ == "__main__":
    main()
