import sys

from scanner_grpc._cli import main

sys.exit(main())
