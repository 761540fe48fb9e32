; The 户户清 setup.exe (NSIS, Chinese). build.sh runs makensis with
;   -DVERSION=x.y.z -DSTAGE=<staged folder: python\ lib\ app\ huhuqing.exe fieldapp.cmd> -DOUTFILE=...
;
; - Per-user by default, without administrator rights (locked-down office PCs): into
;   %LOCALAPPDATA%\Programs\huhuqing, shortcuts and file types for this user only. An
;   administrator may choose "为本机所有用户安装" (Program Files, HKLM), or pass /AllUsers.
; - Silent for IT staff: setup.exe /S [/AllUsers|/CurrentUser] [/D=C:\target] (/D last, unquoted).
; - Installing over an earlier version replaces the program files only; the user's data
;   (%LOCALAPPDATA%\fieldapp: the database, keys, cache) is never inside the install folder, and the
;   app migrates the database when it next opens it.
; - The uninstaller keeps that data unless the user ticks 同时删除本机的户户清数据 (silent:
;   uninstall.exe /S /DELETEDATA).
Unicode true
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID ${COMPRESSOR}

!define APP "huhuqing"
!define NAME "户户清"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define DATA_DIR "$LOCALAPPDATA\fieldapp"

Name "${NAME}"
Caption "${NAME} ${VERSION} 安装"
UninstallCaption "${NAME} ${VERSION} 卸载"
OutFile "${OUTFILE}"
BrandingText "${NAME} ${VERSION}"
ShowInstDetails show
VIProductVersion "${FILE_VERSION}"
VIAddVersionKey /LANG=2052 "ProductName" "${NAME}"
VIAddVersionKey /LANG=2052 "FileDescription" "${NAME} ${VERSION} 安装程序"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "${NAME}"

!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP}"
; An upgrade goes where the earlier version is, in the same mode (HKLM: all users; HKCU: this user).
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallLocation"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallLocation"
!include "MultiUser.nsh"
!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "Sections.nsh"

!define MUI_ICON "huhuqing.ico"
!define MUI_UNICON "huhuqing.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\huhuqing.exe"
!define MUI_FINISHPAGE_RUN_TEXT "现在打开户户清"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"

Function .onInit
    StrCpy $0 $INSTDIR  ; /D=..., which MULTIUSER_INIT would replace with its default
    !insertmacro MULTIUSER_INIT
    ${If} $0 != ""
        StrCpy $INSTDIR $0
    ${EndIf}
FunctionEnd

Section "户户清" SecApp
    SectionIn RO
    ; Earlier program files go first (an upgrade must not keep a module the new version dropped);
    ; only our own folders: $INSTDIR may be a folder the user chose that holds other things.
    RMDir /r "$INSTDIR\python"
    RMDir /r "$INSTDIR\lib"
    RMDir /r "$INSTDIR\app"
    SetOutPath "$INSTDIR"
    File /r "${STAGE}\*.*"
    File "huhuqing.ico"

    DetailPrint "预编译程序文件，使启动更快……"
    ; Compiled now, while the installer may write here (an all-users install under Program Files
    ; is read-only to the app later). nsExec: no console window, its output in the details. One
    ; process (no -j): compileall's worker processes hang under Wine, where the smoke test runs this.
    nsExec::ExecToLog '"$INSTDIR\python\python.exe" -m compileall -q "$INSTDIR\app" "$INSTDIR\lib"'
    Pop $0
    ${If} $0 != 0
        DetailPrint "预编译未完成（$0）：不影响使用，首次启动会稍慢。"
    ${EndIf}

    CreateShortcut "$SMPROGRAMS\${NAME}.lnk" "$INSTDIR\huhuqing.exe" "" "$INSTDIR\huhuqing.ico"
    CreateShortcut "$DESKTOP\${NAME}.lnk" "$INSTDIR\huhuqing.exe" "" "$INSTDIR\huhuqing.ico"

    ; File types: a double-clicked bundle is imported, an enrollment file opens 设备登记.
    WriteRegStr SHCTX "Software\Classes\.hhq" "" "Huhuqing.Bundle"
    WriteRegStr SHCTX "Software\Classes\Huhuqing.Bundle" "" "户户清数据包"
    WriteRegStr SHCTX "Software\Classes\Huhuqing.Bundle\DefaultIcon" "" "$INSTDIR\huhuqing.ico"
    WriteRegStr SHCTX "Software\Classes\Huhuqing.Bundle\shell\open\command" "" '"$INSTDIR\huhuqing.exe" open "%1"'
    WriteRegStr SHCTX "Software\Classes\.hhqe" "" "Huhuqing.Enrollment"
    WriteRegStr SHCTX "Software\Classes\Huhuqing.Enrollment" "" "户户清登记文件"
    WriteRegStr SHCTX "Software\Classes\Huhuqing.Enrollment\DefaultIcon" "" "$INSTDIR\huhuqing.ico"
    WriteRegStr SHCTX "Software\Classes\Huhuqing.Enrollment\shell\open\command" "" '"$INSTDIR\huhuqing.exe" open "%1"'
    System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'  ; SHCNE_ASSOCCHANGED

    WriteUninstaller "$INSTDIR\uninstall.exe"
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${NAME}"
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "${NAME}"
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\huhuqing.ico"
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
    WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
    WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
    ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
    WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "un.户户清程序" SecUnApp
    SectionIn RO
    Delete "$SMPROGRAMS\${NAME}.lnk"
    Delete "$DESKTOP\${NAME}.lnk"
    RMDir /r "$INSTDIR\python"
    RMDir /r "$INSTDIR\lib"
    RMDir /r "$INSTDIR\app"
    Delete "$INSTDIR\huhuqing.exe"
    Delete "$INSTDIR\fieldapp.cmd"
    Delete "$INSTDIR\huhuqing.ico"
    Delete "$INSTDIR\uninstall.exe"
    RMDir "$INSTDIR"  ; only if empty: never a folder with the user's own files

    ReadRegStr $0 SHCTX "Software\Classes\.hhq" ""
    ${If} $0 == "Huhuqing.Bundle"
        DeleteRegKey SHCTX "Software\Classes\.hhq"
    ${EndIf}
    ReadRegStr $0 SHCTX "Software\Classes\.hhqe" ""
    ${If} $0 == "Huhuqing.Enrollment"
        DeleteRegKey SHCTX "Software\Classes\.hhqe"
    ${EndIf}
    DeleteRegKey SHCTX "Software\Classes\Huhuqing.Bundle"
    DeleteRegKey SHCTX "Software\Classes\Huhuqing.Enrollment"
    System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
    DeleteRegKey SHCTX "${UNINSTALL_KEY}"
SectionEnd

Section /o "un.同时删除本机的户户清数据（数据库、密钥，无法恢复）" SecData
    SetShellVarContext current  ; the data is the user's, whichever mode the program was in
    RMDir /r "${DATA_DIR}"
SectionEnd

Function un.onInit
    !insertmacro MULTIUSER_UNINIT
    ${GetParameters} $0
    ClearErrors
    ${GetOptions} $0 "/DELETEDATA" $1
    ${IfNot} ${Errors}
        !insertmacro SelectSection ${SecData}
    ${EndIf}
FunctionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
    !insertmacro MUI_DESCRIPTION_TEXT ${SecUnApp} "删除户户清程序、快捷方式和文件关联。"
    !insertmacro MUI_DESCRIPTION_TEXT ${SecData} "同时删除 ${DATA_DIR}：本机的户户清数据库、签名密钥和缓存。删除后无法恢复；不勾选则保留，重新安装后数据仍在。"
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
