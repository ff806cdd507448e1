"""Look-alike iMTags: the skeleton two tags share when a person could take one for the other.

UTS #39 (Unicode Security Mechanisms) defines a skeleton: each character
replaced by the prototype ``confusables.txt`` gives it, so that two strings
that look alike have the same skeleton. A tag holds only ASCII letters,
digits, ``_``, ``.`` and ``-``, where ``confusables.txt`` maps four characters
onto others: the digit ``0`` to ``O``, the digit ``1`` and the capital ``I``
to ``l``, and ``m`` to ``rn``. A tag is one tag in any letter case, so the
classes are closed over case too: ``I`` is ``i`` and looks like ``l``, which
is ``L``; ``O`` is ``o``. One more pair fonts draw alike is added, ``vv`` for
``w`` (not in ``confusables.txt``, which lists one multi-letter prototype for
these letters, ``rn``). Multi-letter look-alikes go the way UTS #39 takes them,
to the longer form (``m`` → ``rn``, ``w`` → ``vv``), so the mapping never
depends on where a pair starts.

The skeleton is the casefolded tag with each of these replaced:

========  ========
in        becomes
========  ========
i, l, 1   l
o, 0      o
m         rn
w         vv
========  ========

Left out on purpose: ``5``/``S``, ``cl``/``d``, ``nn``/``m`` and other pairs
that some fonts draw alike and UTS #39 does not list.

>>> skeleton("AIice"), skeleton("A1ice"), skeleton("Alice")
('allce', 'allce', 'allce')
>>> skeleton("B0b") == skeleton("Bob") != skeleton("Rob")
True
"""

from __future__ import annotations

_PROTOTYPES = str.maketrans({"i": "l", "1": "l", "0": "o", "m": "rn", "w": "vv"})


def skeleton(imtag: str) -> str:
    """What ``imtag`` looks like, in any letter case: equal for tags a person could take for each other."""
    return imtag.casefold().translate(_PROTOTYPES)
