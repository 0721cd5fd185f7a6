/* SharePoint init.js (replica stub) */
function RegisterSod(k,u){}
function UpdateFormDigest(u,i){}
