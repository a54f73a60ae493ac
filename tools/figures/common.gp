# What every figure script loads first (from the repository's root):
# the terminal by the output's name (F.svg for docs/figures, F.png to look
# at one), and label(), a word of a list with its underscores as spaces.
# The caller sets `out` (and may set `height`, in pixels).
if (!exists("height")) height = 450
if (out[strlen(out) - 3:] eq ".png") {
	set terminal pngcairo size 900,height font "sans,10" noenhanced
} else {
	set terminal svg size 900,height font "sans,11" noenhanced
}
set output out
label(s) = system("printf %s '" . s . "' | tr _ ' '")
