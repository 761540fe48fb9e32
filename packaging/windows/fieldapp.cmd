@echo off
rem The command line of this install, for IT staff and scripts: "fieldapp.cmd --help" lists
rem the commands (the same as "fieldapp" on Linux). The window is huhuqing.exe. -X utf8: text
rem written to pipes and files is UTF-8 as on Linux, not the ANSI code page (which cannot
rem hold Chinese on a non-Chinese Windows); the console itself always shows Chinese.
"%~dp0python\python.exe" -X utf8 -m fieldapp %*
exit /b %errorlevel%
