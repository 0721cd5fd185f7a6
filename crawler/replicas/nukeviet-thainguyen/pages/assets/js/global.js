function nv_open_browse(u,n,w,h,f){window.open(u,n,'width='+w+',height='+h+','+f)}
function modalShowByObj(o){}
