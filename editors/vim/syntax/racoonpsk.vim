" Vim syntax file
" Language:     psk.txt, the pre-shared key file of racoon(8) (ipsec-tools)
" Filetype:     racoonpsk
" Part of:      ipseclint (editors/vim)
"
" Options:
"   g:ipseclint_hide_keys   When 1, the keys (group racoonpskSecret, the
"                           rest of each entry line after the identifier) are
"                           concealed and each shown as a single `*` (the
"                           ftplugin then sets 'conceallevel' to 2), so that
"                           sharing a screen does not show them. Default 0:
"                           keys are shown and highlighted as strings, and
"                           blanks at the end of a key are marked as errors.
"
" As racoon's getpsk() reads the file: a line is an identifier (an address,
" an FQDN, user@FQDN, or `*` with the WCPSKEY build option), white space,
" and the key, which is everything up to the end of the line -- a `#` in a
" key and trailing blanks are part of the key. A `#` starts a comment only
" in column 1. A line that starts with a blank has an empty identifier and
" never matches: its first word is marked as an error.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_,192-255
syn sync fromstart

syn keyword racoonpskTodo       contained TODO FIXME XXX NOTE
syn match   racoonpskComment    /^#.*$/ contains=racoonpskTodo,@Spell

" Identifiers (racoonpskIdent: FQDN, user@FQDN, key id; then the more
" specific address and wildcard forms, which win when they match).
syn match   racoonpskIdent      /^[^#[:space:]]\S*/ nextgroup=racoonpskSecret skipwhite
syn match   racoonpskAddress    /^\d\{1,3}\%(\.\d\{1,3}\)\{3}\ze\%(\s\|$\)/ nextgroup=racoonpskSecret skipwhite
syn match   racoonpskAddress    /^\x\{0,4}:[[:xdigit:]:.]*\%(%\w\+\)\=\ze\%(\s\|$\)/ nextgroup=racoonpskSecret skipwhite
syn match   racoonpskWildcard   /^\*\ze\%(\s\|$\)/ nextgroup=racoonpskSecret skipwhite
" An indented entry: racoon reads an empty identifier.
syn match   racoonpskIndented   /^\s\+\zs\S\+/ nextgroup=racoonpskSecret skipwhite

if get(g:, 'ipseclint_hide_keys', 0)
  syn match racoonpskSecret     contained /\S.*$/ conceal cchar=*
else
  syn match racoonpskSecret     contained /\S.*$/ contains=racoonpskTrailing
  syn match racoonpskTrailing   contained /\s\+$/
endif

hi def link racoonpskTodo       Todo
hi def link racoonpskComment    Comment
hi def link racoonpskIdent      Identifier
hi def link racoonpskAddress    Constant
hi def link racoonpskWildcard   Special
hi def link racoonpskIndented   Error
hi def link racoonpskSecret     String
hi def link racoonpskTrailing   Error

let b:current_syntax = "racoonpsk"

let &cpo = s:cpo_save
unlet s:cpo_save
