from cn285.hub.cli import main

main()
