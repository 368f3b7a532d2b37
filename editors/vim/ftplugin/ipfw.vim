" Vim filetype plugin
" Language:     ipfw(8) rule files and rc.firewall-style scripts
" Filetype:     ipfw
" Part of:      ipseclint (editors/vim)
"
" Sets comments and keyword characters (ipfw words contain `-`:
" keep-state, check-state, dst-port). One rule per line: no folding.

" vim's own ftplugin/hog.vim (vim takes *.rules for snort rules) sets
" b:did_ftplugin but no b:undo_ftplugin, so when the buffer then becomes
" ipfw its stale flag would keep this plugin out. Its mark is its
" 'commentstring' ("c# %s"); in that case load anyway and drop its leftovers.
" (ftdetect/ipseclint.vim may have cleared the flag already.)
let s:after_hog = !exists("b:undo_ftplugin") && &l:commentstring ==# 'c# %s'
if exists("b:did_ftplugin") && !s:after_hog
  unlet s:after_hog
  finish
endif
let b:did_ftplugin = 1
if s:after_hog
  setlocal define< include<
  silent! nunmap <buffer> ]]
  silent! nunmap <buffer> [[
  unlet! b:match_words
endif
unlet s:after_hog

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal iskeyword=@,48-57,_,192-255,-
setlocal formatoptions-=t formatoptions+=croql

let b:undo_ftplugin = 'setlocal commentstring< comments< iskeyword< formatoptions<'

let &cpo = s:cpo_save
unlet s:cpo_save
