"""Arabic letters and marks by name, so that code, diffs and editors read the same in any
direction (a bare right-to-left letter beside code does not)."""

from __future__ import annotations

import pyarabic.araby as araby

ALEF = araby.ALEF  # ا
ALEF_MADDA = araby.ALEF_MADDA  # آ
ALEF_HAMZA_ABOVE = araby.ALEF_HAMZA_ABOVE  # أ
ALEF_HAMZA_BELOW = araby.ALEF_HAMZA_BELOW  # إ
ALEF_WASLA = araby.ALEF_WASLA  # ٱ
ALEF_MAKSURA = araby.ALEF_MAKSURA  # ى
HAMZA = araby.HAMZA  # ء
WAW_HAMZA = araby.WAW_HAMZA  # ؤ
YEH_HAMZA = araby.YEH_HAMZA  # ئ
YEH = araby.YEH  # ي
TEH = araby.TEH  # ت
TEH_MARBUTA = araby.TEH_MARBUTA  # ة
HEH = araby.HEH  # ه
KAF = araby.KAF  # ك
FEH = araby.FEH  # ف
BEH = araby.BEH  # ب
JEEM = araby.JEEM  # ج
GHAIN = araby.GHAIN  # غ
WAW = araby.WAW  # و
LAM = araby.LAM  # ل
TATWEEL = araby.TATWEEL  # ـ
KEHEH = "\u06a9"  # ک  Persian kaf
GAF = "\u06af"  # گ  Persian gaf (/g/ in names)
FARSI_YEH = "\u06cc"  # ی
YEH_BARREE = "\u06d2"  # ے  Urdu
E_YEH = "\u06d0"  # ې  Pashto/Uyghur
HEH_YEH = "\u06c0"  # ۀ  heh with yeh above
HEH_GOAL = "\u06c1"  # ہ  Urdu
HEH_GOAL_HAMZA = "\u06c2"  # ۂ  what NFKC makes of ہ + hamza above
YEH_BARREE_HAMZA = "\u06d3"  # ۓ
AE = "\u06d5"  # ە  Kurdish
HEH_DOACHASHMEE = "\u06be"  # ھ  Urdu
VEH = "\u06a4"  # ڤ  /v/ in loanwords
PEH = "\u067e"  # پ  /p/ in loanwords
TCHEH = "\u0686"  # چ  /ch/ in loanwords

# Marks that sit inside a word: harakat and the hamza/madda marks (U+064B-U+065F), the dagger
# alef (U+0670), Quranic annotation signs, and the zero-width joiners Persian text uses.
HARAKAT = "".join(map(chr, range(0x064B, 0x0660))) + "\u0670"
QURANIC_MARKS = (
    "".join(map(chr, range(0x0610, 0x061B)))
    + "".join(map(chr, range(0x06D6, 0x06DD)))
    + "".join(map(chr, range(0x06DF, 0x06E9)))
    + "".join(map(chr, range(0x06EA, 0x06EE)))
)
JOINERS = "\u200c\u200d"  # ZWNJ, ZWJ
WORD_MARKS = HARAKAT + QURANIC_MARKS + JOINERS
# Invisible direction marks pasted in from the web; removed wherever they land in a word.
BIDI_MARKS = "\u200e\u200f\u061c"
