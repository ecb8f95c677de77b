"""Running cases: the unit of work every change to a case goes through, starting and ending
cases, messages, timers, script effects, and moving cases between versions."""
