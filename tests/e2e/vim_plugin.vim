" The vim/neovim plugin (editors/vim) headless, in vim 9 and neovim 0.7:
" filetype detection on every corpus file against ipseclint's classify(),
" then `:make` with the ipseclint compiler on a broken gateway. Run by
" tests/editors.rs:
"   IPSECLINT_ROOT=<project> IPSECLINT_CASES=<file of "path<TAB>filetype">
"   IPSECLINT_BIN=<ipseclint> IPSECLINT_MAKE=<path to :make>
"   IPSECLINT_MAKE_EXPECT=<"file-suffix:line:CODE"> IPSECLINT_OUT=<report file>
"   vim -Nu NONE -i NONE -es -S tests/e2e/vim_plugin.vim
"   nvim --headless -u NONE -i NONE -S tests/e2e/vim_plugin.vim
" An empty filetype in the cases means "none of ours". The report lists
" each failure; the exit status is 0 only when there is none.

set nocompatible
let &runtimepath = $IPSECLINT_ROOT . '/editors/vim,' . &runtimepath
filetype plugin on
syntax on

let s:ours = ['racoon', 'racoonpsk', 'setkey', 'ipfw', 'ipf', 'ipnat']
let s:report = []
let s:checked = 0

function! s:fail(msg) abort
  call add(s:report, 'FAIL ' . a:msg)
endfunction

" Detection: each file as ipseclint reads it.
for s:case in readfile($IPSECLINT_CASES)
  let [s:path, s:want] = split(s:case, "\t", 1)
  execute 'silent edit ' . fnameescape(s:path)
  let s:got = &filetype
  if s:want ==# '' ? index(s:ours, s:got) >= 0 : s:got !=# s:want
    call s:fail(printf('filetype of %s: want %s, got %s', s:path,
          \ s:want ==# '' ? '(not ours)' : s:want, s:got))
  endif
  let s:checked += 1
  silent bwipe!
endfor
call add(s:report, printf('detected %d files', s:checked))

" :make with the compiler: the quickfix list holds the gateway's findings.
let g:ipseclint_path = $IPSECLINT_BIN
compiler ipseclint
execute 'silent make! ' . fnameescape($IPSECLINT_MAKE)
let s:qf = getqflist()
let [s:suffix, s:line, s:code] = split($IPSECLINT_MAKE_EXPECT, ':')
let s:hits = filter(copy(s:qf), {_, e -> e.valid && e.lnum == str2nr(s:line)
      \ && bufname(e.bufnr) =~# escape(s:suffix, '.') . '$'
      \ && e.text =~# '\[' . s:code . '\]' && e.type ==# 'e'})
if empty(s:hits)
  call s:fail(printf(':make %s: no error %s at %s:%s in %d entries: %s',
        \ $IPSECLINT_MAKE, s:code, s:suffix, s:line, len(s:qf),
        \ string(map(copy(s:qf), {_, e -> bufname(e.bufnr) . ':' . e.lnum . ' ' . e.type . ' ' . e.text})[:5])))
endif
let s:valid = len(filter(copy(s:qf), {_, e -> e.valid}))
call add(s:report, printf(':make gave %d quickfix entries', s:valid))

call writefile(s:report, $IPSECLINT_OUT)
if len(filter(copy(s:report), {_, l -> l =~# '^FAIL'})) > 0
  cquit!
endif
qall!
