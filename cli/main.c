#include <stdio.h>
int main(void) { puts("jetstream"); return 0; }
