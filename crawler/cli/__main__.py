"""`python -m crawler.cli`: the chinadaily-archive command."""

from crawler.cli import main_exit

main_exit()
