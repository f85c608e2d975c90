// An HTTP file that includes a header only the curses dashboard may use.
#include <ncurses.h>
