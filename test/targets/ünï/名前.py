# -*- coding: utf-8 -*-
"""3.x only: identifiers in each str kind CPython has.

ünï is Latin-1 (1 byte per char), 函数 is in the BMP (2 bytes), 方法_𠀀
has U+20000 from CJK Extension B (4 bytes). All are NFKC-stable, so the
names in the code objects are exactly the ones written here. The file's
own path (ünï/名前.py) is non-ASCII as well.
"""
import time


class Ünïcode(object):
    def 方法_𠀀(self, arrive):
        arrive()
        time.sleep(3600)  # @ucs4


def 函数(arrive):
    Ünïcode().方法_𠀀(arrive)  # @ucs2


def ünï(arrive):
    函数(arrive)  # @ucs1


def entry(arrive):
    ünï(arrive)  # @entry
