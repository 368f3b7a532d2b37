" Vim syntax file
" Language:     setkey(8) scripts (FreeBSD /etc/ipsec.conf, ipsec-tools setkey)
" Filetype:     setkey
" Part of:      ipseclint (editors/vim)
"
" Options:
"   g:ipseclint_hide_keys   When 1, the keys of manually keyed SAs (the hex
"                           `0x...` or quoted string after `-E alg` and
"                           `-A alg`, group setkeySecret) are concealed and
"                           each shown as a single `*` (the ftplugin then sets
"                           'conceallevel' to 2), so that sharing a screen
"                           does not show them. Default 0: keys are shown
"                           and highlighted as strings.
"
" Follows the setkey lexer of FreeBSD and ipsec-tools 0.8.2: commands end
" with `;`, keywords are lowercase and case-sensitive, `#` starts a comment.
" After `-P` setkey reads everything up to the next `;` (newlines included)
" as the policy string: that is one region here (setkeyPolicy), and a `#`
" inside it, which breaks the policy, is marked as an error.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
" Algorithm, protocol and padding names contain `-` (hmac-sha2-256,
" aes-gcm-16, esp-old, zero-pad).
syn iskeyword @,48-57,_,192-255,-
syn sync fromstart

syn keyword setkeyTodo          contained TODO FIXME XXX NOTE
syn match   setkeyComment       /#.*$/ contains=setkeyTodo,@Spell
syn region  setkeyString        start=/"/ end=/"/ oneline contains=@NoSpell
syn match   setkeySemi          /;/
syn match   setkeyComma         /,/
syn match   setkeyNumber        /\%([[:alnum:]_.:]\)\@<!\%(0[xX]\x\+\|\d\+\)\%([[:alnum:]_.:]\)\@!/

" Commands.
" (add, get, delete, deleteall, spdadd, spdupdate and spddelete start the
" setkeyFold regions below.)
syn keyword setkeyCommand       flush dump spdflush spddump exit quit bye
syn keyword setkeyTagged        tagged

" SA protocols (followed by the SPI in add/get/delete) and upper-layer
" protocols of policies.
syn keyword setkeyProtocol      esp esp-old esp-udp ah ah-old ipcomp tcp nextgroup=setkeySPI skipwhite skipnl skipempty
syn keyword setkeyUpperspec     udp icmp icmp6 ipv6-icmp ip4 ipv4 ipv6 gre ipencap sctp ospf
syn keyword setkeyAny           any
syn match   setkeySPI           contained /\%(0[xX]\x\+\|\d\+\)\%([[:alnum:]_.:]\)\@!/

syn keyword setkeyMode          transport tunnel
syn keyword setkeyPad           zero-pad random-pad seq-pad nocyclic-seq

" Addresses, /prefix and [port] (number, `any` or a service name).
syn match   setkeyAddress       /\%([[:alnum:]_.:]\)\@<!\d\{1,3}\%(\.\d\{1,3}\)\{3}\%([[:alnum:]_.]\)\@!/ nextgroup=setkeyPrefix,setkeyPort
syn match   setkeyAddress       /\%([[:alnum:]_.:]\)\@<!\x\{1,4}:\%(\x\{0,4}:\)\{1,6}\%(\d\{1,3}\%(\.\d\{1,3}\)\{3}\|\x\{1,4}\)\=\%(%\w\+\)\=\%([[:alnum:]_.:]\)\@!/ nextgroup=setkeyPrefix,setkeyPort
syn match   setkeyAddress       /\%([[:alnum:]_.:]\)\@<!::\%(\x\{1,4}\%(:\x\{1,4}\)*\)\=\%(%\w\+\)\=\%([[:alnum:]_.:]\)\@!/ nextgroup=setkeyPrefix,setkeyPort
syn match   setkeyPrefix        contained "/\d\+" nextgroup=setkeyPort
syn match   setkeyPort          /\[\%(\d\+\|any\|[[:alnum:]_-]\+\)\]/

" Options. -E, -A and -C are followed by an algorithm, -E and -A then by a
" key (setkeySecret).
syn match   setkeyOption        /\%(\S\)\@<!-[46n]\+\%([[:alnum:]_-]\)\@!/
syn match   setkeyOption        /\%(\S\)\@<!-\%(m\|r\|u\|f\|lh\|ls\|bh\|bs\|ctx\|R\)\%([[:alnum:]_-]\)\@!/
syn match   setkeyOption        /\%(\S\)\@<!-E\%([[:alnum:]_-]\)\@!/ nextgroup=setkeyEncAlg,setkeyAlgUnknown skipwhite skipnl skipempty
syn match   setkeyOption        /\%(\S\)\@<!-A\%([[:alnum:]_-]\)\@!/ nextgroup=setkeyAuthAlg,setkeyAlgUnknown skipwhite skipnl skipempty
syn match   setkeyOption        /\%(\S\)\@<!-C\%([[:alnum:]_-]\)\@!/ nextgroup=setkeyCompAlg,setkeyAlgUnknown skipwhite skipnl skipempty

syn keyword setkeyEncAlg        contained des-cbc 3des-cbc null simple blowfish-cbc cast128-cbc des-deriv nextgroup=setkeySecret skipwhite skipnl skipempty
syn keyword setkeyEncAlg        contained des-32iv rijndael-cbc aes-cbc twofish-cbc aes-ctr camellia-cbc aes-gcm-16 nextgroup=setkeySecret skipwhite skipnl skipempty
syn keyword setkeyAuthAlg       contained hmac-md5 hmac-sha1 keyed-md5 keyed-sha1 hmac-sha2-256 hmac-sha2-384 nextgroup=setkeySecret skipwhite skipnl skipempty
syn keyword setkeyAuthAlg       contained hmac-sha2-512 hmac-sha256 hmac-sha384 hmac-sha512 hmac-ripemd160 nextgroup=setkeySecret skipwhite skipnl skipempty
syn keyword setkeyAuthAlg       contained aes-xcbc-mac tcp-md5 null nextgroup=setkeySecret skipwhite skipnl skipempty
syn keyword setkeyCompAlg       contained deflate oui lzs
" A name setkey does not know; the key after it is still a key.
syn match   setkeyAlgUnknown    contained /[^[:space:];"#]\+/ nextgroup=setkeySecret skipwhite skipnl skipempty

" The key: hex digits or a quoted string.
if get(g:, 'ipseclint_hide_keys', 0)
  syn match setkeySecret        contained /0[xX]\x\+\|"[^"]*"/ conceal cchar=*
else
  syn match setkeySecret        contained /0[xX]\x\+\|"[^"]*"/
endif

" -P direction [priority] discard|none|ipsec rule... up to the `;`.
syn region  setkeyPolicy        matchgroup=setkeyOption start=/\%(\S\)\@<!-P\%([[:alnum:]_-]\)\@!/ end=/\ze;/ contains=setkeyDirection,setkeyPriority,setkeyAction,setkeyProtocol,setkeyMode,setkeyLevel,setkeyAddress,setkeyPort,setkeyPolicyDelim,setkeyPolicyError,setkeyNumber
syn keyword setkeyDirection     contained in out fwd
syn keyword setkeyPriority      contained prio priority low def high
syn keyword setkeyAction        contained discard none ipsec entrust bypass
syn match   setkeyLevel         contained /\<\%(default\|use\|require\|unique\%(:\d\+\)\=\)\%([[:alnum:]_:]\)\@!/
syn match   setkeyPolicyDelim   contained "[/-]"
syn match   setkeyPolicyError   contained /#[^;]*/

" A command that takes arguments is a region up to its `;`, so that one
" spread over several lines folds. It is transparent: its contents keep
" their own groups, the command word is setkeyCommand.
syn region  setkeyFold          matchgroup=setkeyCommand start=/\<\%(add\|get\|delete\|deleteall\|spdadd\|spdupdate\|spddelete\)\>/ end=/\ze;/ transparent fold

hi def link setkeyTodo          Todo
hi def link setkeyComment       Comment
hi def link setkeyString        String
hi def link setkeySemi          Delimiter
hi def link setkeyComma         Delimiter
hi def link setkeyNumber        Number
hi def link setkeyCommand       Statement
hi def link setkeyTagged        Keyword
hi def link setkeyProtocol      Type
hi def link setkeyUpperspec     Type
hi def link setkeyAny           Constant
hi def link setkeySPI           Number
hi def link setkeyMode          Type
hi def link setkeyPad           Constant
hi def link setkeyAddress       Constant
hi def link setkeyPrefix        Special
hi def link setkeyPort          Special
hi def link setkeyOption        Special
hi def link setkeyEncAlg        setkeyAlgorithm
hi def link setkeyAuthAlg       setkeyAlgorithm
hi def link setkeyCompAlg       setkeyAlgorithm
hi def link setkeyAlgorithm     Identifier
hi def link setkeyAlgUnknown    Error
hi def link setkeySecret        String
hi def link setkeyDirection     Type
hi def link setkeyPriority      Keyword
hi def link setkeyAction        Keyword
hi def link setkeyLevel         Constant
hi def link setkeyPolicyDelim   Delimiter
hi def link setkeyPolicyError   Error

let b:current_syntax = "setkey"

let &cpo = s:cpo_save
unlet s:cpo_save
