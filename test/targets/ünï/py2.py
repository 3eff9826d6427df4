# -*- coding: utf-8 -*-
"""2.7 stand-in for 名前.py (2.7 identifiers are ASCII): only the path is
non-ASCII."""
import time


def leaf(arrive):
    arrive()
    time.sleep(3600)  # @py2-leaf


def entry(arrive):
    leaf(arrive)  # @py2-entry
