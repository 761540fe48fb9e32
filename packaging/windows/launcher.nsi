; huhuqing.exe: what the shortcuts and the .hhq/.hhqe file types start. A window-less launcher
; (no console flashes up, as python.exe would open one): it starts the installed pythonw.exe with
; "-m fieldapp" and the arguments it was given ("open FILE" for a double-clicked bundle), then
; exits. -X utf8: files the app opens without naming an encoding are UTF-8, as on Linux.
; Built by build.sh with makensis; -DVERSION=x.y.z.
Unicode true
Target amd64-unicode  ; as the app: 64-bit only (and Wine here runs no 32-bit programs)
SetCompressor zlib
Name "户户清"
OutFile "huhuqing.exe"
Icon "huhuqing.ico"
RequestExecutionLevel user
SilentInstall silent
AutoCloseWindow true
VIProductVersion "${FILE_VERSION}"
VIAddVersionKey /LANG=2052 "ProductName" "户户清"
VIAddVersionKey /LANG=2052 "FileDescription" "户户清"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "户户清"

!include "FileFunc.nsh"

Section
    ${GetParameters} $0
    SetOutPath "$EXEDIR"
    ClearErrors
    Exec '"$EXEDIR\python\pythonw.exe" -X utf8 -m fieldapp $0'
    IfErrors 0 +2
        MessageBox MB_ICONSTOP "户户清无法启动：$EXEDIR\python\pythonw.exe 不能运行。请重新安装户户清。"
SectionEnd
