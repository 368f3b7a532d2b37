" Filetypes of the files ipseclint reads, recognised as its classify() does:
" by name first, then by content. `:set filetype=` (not `:setf`) because
" some names already have a generic filetype (vim's ipf.conf, *.txt).
augroup ipseclint_ftdetect
  autocmd!
  autocmd BufNewFile,BufRead * call ipseclint#detect()
augroup END
