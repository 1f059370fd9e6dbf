"""The application layer: the `yuqing` command line, on top of every other package."""
