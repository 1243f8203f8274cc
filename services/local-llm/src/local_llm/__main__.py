import sys

from local_llm.cli import main

sys.exit(main())
