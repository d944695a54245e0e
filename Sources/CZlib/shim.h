// The system zlib (Debian's zlib1g-dev), for the PDF writer's Flate streams.
#include <zlib.h>
