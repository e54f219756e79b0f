"""What the chat server and the assist both stand on: settings errors, the data directory and the
database URL, the engine and the migrations. It imports neither of them."""
